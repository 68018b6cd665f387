"""IntentScorer and judge_intents under bad input: the argument is named with the fix."""

from __future__ import annotations

import pytest

from langchain_semantix import Intent, IntentParser, Judge, Verdict
from langchain_semantix.errors import InvalidOutputError, JudgeReplyError
from langchain_semantix.scoring import IntentScorer, judge_intents
from langchain_semantix.testing import KeywordJudge


class Polite(Intent):
    """The text must be polite."""


@pytest.mark.parametrize(("value", "error"), [(float("nan"), ValueError), (1.5, ValueError), ("0.5", TypeError)])
def test_threshold_overrides_are_checked(value, error):
    with pytest.raises(error, match=r"thresholds\['Polite'\] must be"):
        IntentScorer([Polite], KeywordJudge(), thresholds={"Polite": value})


def test_overrides_for_other_intents_are_allowed_but_a_bare_number_is_not():
    IntentScorer([Polite], KeywordJudge(), thresholds={"Polite": 0.4, "SomeOtherIntent": 0.6})  # one file, many intents
    with pytest.raises(TypeError, match="thresholds must map intent names to pass marks"):
        IntentScorer([Polite], KeywordJudge(), thresholds=0.5)


def test_the_judge_must_be_a_judge():
    with pytest.raises(TypeError, match=r"judge must be a Judge .*load_judge\('embedding'\)"):
        IntentScorer([Polite], judge="embedding")


def test_outputs_must_be_a_list_of_texts():
    with pytest.raises(TypeError, match=r"outputs must be a list of texts; to judge one text pass \[text\]"):
        judge_intents(KeywordJudge(), "hello", [Polite])
    with pytest.raises(InvalidOutputError, match="output is None"):
        judge_intents(KeywordJudge(), [None], [Polite])


def test_a_judge_that_breaks_its_contract_is_named():
    class Short(Judge):
        def evaluate_batch(self, pairs, thresholds=None):
            return []

    class NotVerdicts(Judge):
        def evaluate(self, output, intent_description, threshold=None):
            return True

    with pytest.raises(TypeError, match="returned 0 items for 1 pairs; a judge returns one Verdict per pair"):
        judge_intents(Short(), ["x"], [Polite])
    with pytest.raises(TypeError, match="returned items that are not Verdicts"):
        judge_intents(NotVerdicts(), ["x"], [Polite])


async def test_the_async_path_checks_the_verdicts_too():
    class Short(Judge):
        async def aevaluate_batch(self, pairs, thresholds=None):
            return [Verdict(passed=True)] * (len(pairs) + 1)

    with pytest.raises(TypeError, match="returned 2 items for 1 pairs"):
        await IntentScorer([Polite], Short()).ascore(["x"])


def test_a_threshold_reassigned_after_class_creation_is_named():
    class Late(Intent):
        """The text must be polite."""

    Late.threshold = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="Late.threshold must be between 0 and 1, got 5"):
        judge_intents(KeywordJudge(), ["x"], [Late])


class _FixedScore(Judge):
    def __init__(self, score):
        self.score = score

    def evaluate(self, output, intent_description, threshold=None):
        return Verdict(passed=True, score=self.score, threshold=threshold)


@pytest.mark.parametrize("score", [float("nan"), 1.5, -0.2, float("inf")])
async def test_a_judge_score_outside_zero_to_one_is_refused_naming_the_judge(score):
    with pytest.raises(JudgeReplyError, match=r"_FixedScore.*returned the score .* from 0 to 1"):
        judge_intents(_FixedScore(score), ["hello"], [Polite])
    with pytest.raises(JudgeReplyError):
        await IntentParser(Polite, judge=_FixedScore(score)).ainvoke("hello")
    assert judge_intents(_FixedScore(None), ["hello"], [Polite])[0][0].passed  # no score is allowed


def test_a_judge_returning_no_list_is_named():
    class NoList(Judge):
        def evaluate_batch(self, pairs, thresholds=None):
            return None

    with pytest.raises(TypeError, match="NoList.*returned NoneType for 1 pairs"):
        IntentParser(Polite, judge=NoList()).invoke("hello")


def test_outputs_that_are_no_list_are_named_and_a_generator_is_read():
    with pytest.raises(TypeError, match="outputs must be a list of texts"):
        judge_intents(KeywordJudge(), None, [Polite])  # type: ignore[arg-type]
    verdicts = judge_intents(KeywordJudge(fail_words=["go away"]), (text for text in ["hello", "go away"]), [Polite])
    assert [row[0].passed for row in verdicts] == [True, False]
    with pytest.raises(TypeError, match="pairs must be a list of"):
        KeywordJudge().evaluate_batch(None)  # type: ignore[arg-type]


def test_a_score_a_float32_rounding_step_past_one_is_still_a_score():
    assert judge_intents(_FixedScore(1.0000001192092896), ["hello"], [Polite])[0][0].passed

"""scoring: intents x outputs -> verdicts, stamped with the intent whatever the judge filled in."""

from __future__ import annotations

import pytest

from langchain_semantix import IntentParser, SemanticIntentError, create_retry_subgraph
from langchain_semantix.judges import Judge, Verdict
from langchain_semantix.scoring import ajudge_intents, judge_intents
from langchain_semantix.testing import ScriptedChatModel
from tests.conftest import MentionsDate, Polite


class BareJudge(Judge):
    """A user's judge as the Judge docstring shows it: passed and score only."""

    def evaluate(self, output: str, intent_description: str, threshold: float | None = None) -> Verdict:
        return Verdict(passed="go away" not in output.lower(), score=0.9 if "go away" not in output.lower() else 0.1)


def _required(feedback: str) -> str:
    return feedback.split("### What is required", 1)[1].split("###", 1)[0]


def test_every_verdict_is_stamped():
    (verdicts,) = judge_intents(BareJudge(), ["go away"], [Polite, Polite & MentionsDate])
    plain, composite = verdicts
    assert plain.intent == "Polite" and plain.requirement == Polite.description() and plain.threshold == 0.5
    for clause in composite.clauses:
        assert clause.requirement and clause.intent in {"Polite", "MentionsDate"} and clause.threshold == 0.5


def test_parser_observation_names_the_requirement_with_a_bare_judge():
    with pytest.raises(SemanticIntentError) as info:
        IntentParser(Polite, judge=BareJudge()).parse("Go away.")
    assert Polite.description() in _required(info.value.observation or "")
    assert info.value.intent_description == Polite.description()


def test_subgraph_feedback_names_the_requirement_with_a_bare_judge():
    model = ScriptedChatModel(draft="Go away.", revision="Thank you, but no.")
    create_retry_subgraph(model, Polite, judge=BareJudge()).invoke({"messages": [("human", "Decline")]})
    feedback = model.calls[1][-1].content
    assert Polite.description() in _required(feedback)


def test_thresholds_override_and_intent_class_value():
    class Strict(Polite):
        """The text must be very polite."""

        threshold = 0.95

    (verdicts,) = judge_intents(BareJudge(), ["Thanks"], [Strict, Polite], {"Polite": 0.2})
    assert [v.threshold for v in verdicts] == [0.95, 0.2]
    assert all(v.passed for v in verdicts)  # the judge's own decision is kept


def test_a_judge_that_sets_its_own_fields_keeps_them(judge):
    (verdicts,) = judge_intents(judge, ["go away"], [Polite], {"Polite": 0.3})
    assert verdicts[0].threshold == 0.3 and verdicts[0].reason == "contains 'go away'"
    assert verdicts[0].intent == "Polite" and verdicts[0].requirement == Polite.description()


def test_no_intents_is_an_error():
    with pytest.raises(ValueError, match="at least one Intent"):
        judge_intents(BareJudge(), ["x"], [])


def test_calibration_applied_after_first_use_takes_effect(judge):
    from langchain_semantix import Intent
    from langchain_semantix.scoring import IntentScorer
    from langchain_semantix.training.calibrate import apply_calibration

    class CalibratedLater(Intent):
        """The text must be polite."""

    scorer = IntentScorer([CalibratedLater], judge)
    assert scorer.score(["Thank you, but no."])[0][0].passed  # 0.95 against the judge's 0.5
    apply_calibration({"CalibratedLater": 0.99}, [CalibratedLater])
    (verdict,) = scorer.score(["Thank you, but no."])[0]
    assert verdict.threshold == 0.99 and not verdict.passed


class _OwnBatch(BareJudge):
    """A judge with its own evaluate_batch, which the scorer must call."""

    def evaluate_batch(self, pairs, thresholds=None):
        return [Verdict(passed=True, score=0.77, reason="own batch") for _ in pairs]


@pytest.mark.parametrize("intents", [[Polite], [Polite, MentionsDate], [Polite & MentionsDate]])
def test_the_scorer_gives_what_the_judge_s_own_batch_call_gives(judge, intents):
    outputs = ["Go away.", "Thanks, but no: Monday is taken.", "", "   "]
    scored = judge_intents(judge, outputs, intents)
    leaves = [Polite, MentionsDate] if intents != [Polite] else [Polite]
    pairs = [(o, leaf.description()) for o in outputs for leaf in leaves]
    reference = iter(judge.evaluate_batch(pairs, [0.5] * len(pairs)))  # through the judge's own checks
    for verdicts in scored:
        for verdict in verdicts:
            for part in verdict.clauses or [verdict]:
                expected = next(reference)
                assert (part.passed, part.score, part.reason) == (expected.passed, expected.score, expected.reason)
    assert next(reference, None) is None
    (own,) = judge_intents(_OwnBatch(), ["Go away."], intents)
    assert all(v.reason == "own batch" or all(c.reason == "own batch" for c in v.clauses) for v in own)


class _OwnPassMarks(Judge):
    """A judge whose thresholds_for sets every pass mark; it records the ones it scores with."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    def thresholds_for(self, requirements, thresholds=None):
        return [0.25 for _ in requirements]

    def score_batch(self, pairs, thresholds):
        self.seen += thresholds
        return [Verdict(passed=True, score=0.9, threshold=t) for t in thresholds]


def test_a_judge_s_own_thresholds_for_still_sets_the_pass_marks():
    judge = _OwnPassMarks()
    judge_intents(judge, ["Go away.", "Thanks"], [Polite])
    assert judge.seen == [0.25, 0.25]


@pytest.mark.parametrize("intents", [[Polite], [Polite, MentionsDate], [Polite & MentionsDate]])
async def test_the_async_scorer_gives_what_the_sync_one_gives(judge, intents):
    outputs = ["Go away.", "Thanks, but no: Monday is taken.", "", "   "]
    sync = judge_intents(judge, outputs, intents)
    assert repr(await ajudge_intents(judge, outputs, intents)) == repr(sync)
    assert repr(await ajudge_intents(BareJudge(), outputs, intents)) == repr(judge_intents(BareJudge(), outputs, intents))


async def test_a_judge_s_own_async_batch_and_thresholds_for_are_still_called():
    judge = _OwnPassMarks()
    await ajudge_intents(judge, ["Go away.", "Thanks"], [Polite])
    assert judge.seen == [0.25, 0.25]

    class OwnAsyncBatch(BareJudge):
        async def aevaluate_batch(self, pairs, thresholds=None):
            return [Verdict(passed=True, score=0.66, reason="own async batch") for _ in pairs]

    ((verdict,),) = await ajudge_intents(OwnAsyncBatch(), ["Go away."], [Polite])
    assert verdict.reason == "own async batch"

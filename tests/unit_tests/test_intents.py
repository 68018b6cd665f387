import pytest

from langchain_semantix import Intent, judge_intents
from langchain_semantix.feedback import render_feedback
from langchain_semantix.intents import leaf_intents
from langchain_semantix.testing import KeywordJudge
from tests.conftest import MentionsDate, Polite


def test_description_is_the_docstring():
    assert Polite.description() == "The text must politely decline an invitation without being rude."


def test_empty_docstring_is_a_type_error_naming_the_class():
    with pytest.raises(TypeError, match="NoDoc"):

        class NoDoc(Intent):
            pass

    with pytest.raises(TypeError, match="Blank"):

        class Blank(Intent):
            """ """

    with pytest.raises(TypeError, match="BlankLines"):  # a blank docstring over several lines (formatters fold it)
        type(Intent)("BlankLines", (Intent,), {"__doc__": "\n        \n        "})


def test_threshold_is_checked():
    with pytest.raises(ValueError, match="between 0 and 1"):

        class Bad(Intent):
            """The text must be short."""

            threshold = 3


def test_intents_are_not_instantiated():
    with pytest.raises(TypeError, match="requirement, not a value"):
        Polite()


def test_composition_judged_clause_by_clause():
    judge = KeywordJudge(fail_words=["go away"])
    both = Polite & MentionsDate
    assert leaf_intents(both) == [Polite, MentionsDate]
    seen = []
    original = judge.evaluate_batch

    def spy(pairs, thresholds=None):
        seen.extend(pairs)
        return original(pairs, thresholds)

    judge.evaluate_batch = spy  # type: ignore[method-assign]
    verdict = judge_intents(judge, ["go away"], [both])[0][0]
    # Each clause's own docstring reached the judge, never a concatenation.
    assert [d for _, d in seen] == [Polite.description(), MentionsDate.description()]
    assert not verdict.passed and verdict.score == pytest.approx(0.05)
    assert {c.intent for c in verdict.failing_clauses()} == {"Polite", "MentionsDate"}


def test_any_and_not_scores():
    judge = KeywordJudge(pass_words=["sorry"], fail_words=["go away"])
    either = judge_intents(judge, ["sorry"], [Polite | MentionsDate])[0][0]
    assert either.passed and either.score == pytest.approx(0.95)
    negated = judge_intents(judge, ["go away"], [~Polite])[0][0]
    assert negated.passed and negated.score == pytest.approx(0.95)
    rude_check = judge_intents(judge, ["sorry"], [~Polite])[0][0]
    assert not rude_check.passed and rude_check.failing_clauses()[0].negated


def test_feedback_names_only_failing_clauses():
    judge = KeywordJudge(pass_words=["monday"])
    verdict = judge_intents(judge, ["monday"], [Polite & ~MentionsDate])[0][0]
    feedback = render_feedback("monday", [verdict], attempt=1)
    assert "MentionsDate" in feedback and "must NOT hold" in feedback
    assert "clause `Polite`" not in feedback
    assert "(threshold 0.5000)" in feedback


def test_feedback_truncates_rejected_output():
    judge = KeywordJudge(fail_words=["x"])
    verdict = judge_intents(judge, ["x" * 5000], [Polite])[0][0]
    feedback = render_feedback("x" * 5000, [verdict], attempt=2)
    assert "Attempt **2**" in feedback and "4600 more characters" in feedback

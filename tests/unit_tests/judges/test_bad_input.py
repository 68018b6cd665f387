"""Judges' public inputs: None, bytes, lone surrogates, bad thresholds and pairs, unreadable LLM replies, specs."""

from __future__ import annotations

import pytest
from langchain_core.runnables import RunnableLambda

from langchain_semantix import Judge, Verdict
from langchain_semantix.errors import InvalidOutputError, JudgeReplyError, require_text, require_threshold
from langchain_semantix.judges.llm import LLMJudge
from langchain_semantix.judges.specs import load_judge


class BatchJudge(Judge):
    """Scores every non-empty pair 1.0, like a model-backed judge (the base checks the texts)."""

    def score_batch(self, pairs, thresholds):
        return [Verdict(passed=True, score=1.0, threshold=t) for _, t in zip(pairs, thresholds)]


def test_lone_surrogates_are_refused_by_the_shared_text_helper():
    with pytest.raises(InvalidOutputError, match="lone surrogate .*position 1.*encode\\('utf-8', 'replace'\\)"):
        require_text("a\ud800b")
    with pytest.raises(InvalidOutputError, match="output holds a lone surrogate"):
        BatchJudge().evaluate("a\udc80", "Be polite.")
    with pytest.raises(InvalidOutputError, match="intent_description holds a lone surrogate"):
        BatchJudge().evaluate("fine", "Be \ud800 polite.")
    assert require_text("naïve café") == "naïve café"


@pytest.mark.parametrize(
    ("value", "error"), [(float("nan"), ValueError), (1.5, ValueError), (-0.1, ValueError), ("0.5", TypeError), (True, TypeError)]
)
def test_thresholds_must_be_numbers_from_0_to_1(value, error):
    with pytest.raises(error, match="threshold must be"):
        BatchJudge().evaluate("fine", "Be polite.", threshold=value)
    with pytest.raises(error, match="threshold must be"):
        BatchJudge().evaluate_batch([("fine", "Be polite.")], [value])
    with pytest.raises(error, match="x must be"):
        require_threshold(value, what="x")


def test_pairs_and_requirements_are_checked():
    with pytest.raises(TypeError, match=r"pairs\[0\] must be an \(output, requirement\) pair"):
        BatchJudge().evaluate_batch(["just a string"])
    with pytest.raises(ValueError, match=r"the requirement of pairs\[0\] is empty"):
        BatchJudge().evaluate("fine", "   ")
    with pytest.raises(InvalidOutputError, match="intent_description is None"):
        BatchJudge().evaluate("fine", None)


@pytest.mark.parametrize("reply", ["I think it passes!", None, {"passed": True, "score": 1.7, "reason": "r"}, {"score": 0.5}])
def test_an_unreadable_llm_reply_is_a_judge_reply_error(reply):
    judge = LLMJudge(RunnableLambda(lambda _: reply))
    with pytest.raises(JudgeReplyError, match="not an assessment .*structured output"):
        judge.evaluate("fine", "Be polite.")


def test_llm_judge_checks_its_arguments():
    model = RunnableLambda(lambda _: {"passed": True, "score": 0.9, "reason": "ok"})
    with pytest.raises(TypeError, match="model must be a LangChain chat model"):
        LLMJudge(None)
    with pytest.raises(ValueError, match="default_threshold must be between 0 and 1"):
        LLMJudge(model, default_threshold=2)
    with pytest.raises(ValueError, match="max_concurrency must be a whole number >= 1"):
        LLMJudge(model, max_concurrency=0)
    assert LLMJudge(model).evaluate("fine", "Be polite.").score == 0.9


def test_judge_specs_are_checked(tmp_path):
    with pytest.raises(TypeError, match="a judge spec is a string"):
        load_judge(5)
    with pytest.raises(ValueError, match="'trained:' names no folder"):
        load_judge("trained:")
    with pytest.raises(ValueError, match="unknown judge spec 'gpt4'"):
        load_judge("gpt4")
    with pytest.raises(Exception, match=f"{tmp_path}.*judge train"):
        load_judge(tmp_path)  # a Path is a spec; this folder holds no trained judge


def test_a_chat_model_without_structured_output_is_named():
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from langchain_semantix.errors import JudgeModelError

    with pytest.raises(JudgeModelError, match="FakeListChatModel does not support structured output"):
        LLMJudge(FakeListChatModel(responses=["yes"]))

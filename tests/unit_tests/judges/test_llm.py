"""LLMJudge: a chat model with structured output grades the text; the score decides."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import RunnableLambda

from langchain_semantix import IntentParser, LLMJudge, SemanticIntentError
from langchain_semantix.judges import JudgeAssessment
from tests.conftest import Polite

REQ = Polite.description()


def _grade(prompt: PromptValue) -> dict[str, Any]:
    text = prompt.to_messages()[-1].content
    rude = "go away" in text.lower()
    return {"passed": not rude, "score": 0.1 if rude else 0.8, "reason": "rude" if rude else "polite"}


class Grader:
    """A runnable grader that counts sync and async calls."""

    def __init__(self, grade: Any = _grade) -> None:
        self.sync_calls = self.async_calls = 0

        def sync(prompt: PromptValue) -> Any:
            self.sync_calls += 1
            return grade(prompt)

        async def asynchronous(prompt: PromptValue) -> Any:
            self.async_calls += 1
            return grade(prompt)

        self.runnable = RunnableLambda(sync, afunc=asynchronous)


def test_scores_decide_and_disagreement_is_reported():
    grader = Grader(lambda p: JudgeAssessment(passed=True, score=0.4, reason="mostly polite"))
    verdict = LLMJudge(grader.runnable).evaluate("Thanks, no.", REQ, threshold=0.5)
    assert not verdict.passed and verdict.score == 0.4 and verdict.threshold == 0.5
    assert "model said passed=True; score decides" in verdict.reason
    assert verdict.judge == "llm" and verdict.requirement == REQ and verdict.latency_ms is not None


def test_batch_skips_empty_outputs_and_keeps_order():
    grader = Grader()
    verdicts = LLMJudge(grader.runnable).evaluate_batch([("Go away.", REQ), ("", REQ), ("Thank you, but no.", REQ)])
    assert [v.passed for v in verdicts] == [False, False, True]
    assert verdicts[1].reason == "The output is empty."
    assert grader.sync_calls == 2 and grader.async_calls == 0


async def test_async_uses_the_models_native_async_path():
    grader = Grader()
    judge = LLMJudge(grader.runnable)
    verdicts = await judge.aevaluate_batch([("Go away.", REQ), ("Thank you, but no.", REQ)])
    assert [v.passed for v in verdicts] == [False, True]
    assert (await judge.aevaluate("   ", REQ)).reason == "The output is empty."
    assert grader.async_calls == 2 and grader.sync_calls == 0


def test_chat_models_are_asked_for_structured_output():
    asked: list[Any] = []

    class StructuredFake(GenericFakeChatModel):
        def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            asked.append(schema)
            return RunnableLambda(_grade)

    judge = LLMJudge(StructuredFake(messages=iter([])))
    assert asked == [JudgeAssessment]
    assert judge.model_id == "StructuredFake"  # no model name on this model: its class names it
    assert not judge.evaluate("Go away.", REQ).passed


def test_as_the_parsers_judge():
    parser = IntentParser(Polite, judge=LLMJudge(Grader().runnable))
    assert parser.invoke("Thank you, but no.") == "Thank you, but no."
    with pytest.raises(SemanticIntentError) as info:
        parser.invoke("Go away.")
    assert "Judge reason:** rude" in (info.value.observation or "")


def test_a_malformed_grade_is_an_error():
    with pytest.raises(ValueError, match="score"):
        LLMJudge(Grader(lambda p: {"passed": True, "score": 7, "reason": "?"}).runnable).evaluate("x", REQ)

"""LLM judge: any LangChain chat model with structured output grades the text."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable
from pydantic import BaseModel, Field

from langchain_semantix.judges.base import (
    Judge,
    Verdict,
    check_text,
    empty_output_verdict,
    resolve_thresholds,
)

__all__ = ["LLMJudge", "JudgeAssessment"]

_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You are a strict evaluator. Decide whether the TEXT satisfies the REQUIREMENT. "
            "Give a score between 0 (clearly violates) and 1 (clearly satisfies), whether it "
            "passes, and a one-sentence reason.",
        ),
        ("human", "REQUIREMENT:\n{requirement}\n\nTEXT:\n{output}"),
    ]
)


class JudgeAssessment(BaseModel):
    """The structured answer an LLM judge must return."""

    passed: bool = Field(description="Whether the text satisfies the requirement.")
    score: float = Field(ge=0.0, le=1.0, description="0 = clearly violates, 1 = clearly satisfies.")
    reason: str = Field(description="One sentence explaining the decision.")


class LLMJudge(Judge):
    """Grades outputs with a chat model (``with_structured_output(JudgeAssessment)``).

    The pass decision is ``score >= threshold``; the model's own ``passed`` is kept in
    the reason when the two disagree. Batches use the model's ``batch`` and the async
    methods its native ``ainvoke``.

    Example:
        .. code-block:: python

            from langchain.chat_models import init_chat_model
            judge = LLMJudge(init_chat_model("openai:gpt-4o-mini"))
    """

    name: ClassVar[str] = "llm"

    def __init__(
        self,
        model: BaseChatModel | Runnable[Any, Any],
        *,
        prompt: ChatPromptTemplate = _PROMPT,
        default_threshold: float = 0.5,
        max_concurrency: int | None = 8,
    ) -> None:
        self.model = model
        self.default_threshold = default_threshold
        self.max_concurrency = max_concurrency
        structured = (
            model.with_structured_output(JudgeAssessment)
            if isinstance(model, BaseChatModel)
            else model
        )
        self._chain: Runnable[Any, Any] = prompt | structured

    @property
    def model_id(self) -> str | None:
        for attr in ("model_name", "model"):
            value = getattr(self.model, attr, None)
            if isinstance(value, str):
                return value
        return type(self.model).__name__

    def _verdict(self, raw: Any, requirement: str, threshold: float, latency: float) -> Verdict:
        assessment = raw if isinstance(raw, JudgeAssessment) else JudgeAssessment.model_validate(raw)
        passed = assessment.score >= threshold
        reason = assessment.reason
        if passed != assessment.passed:
            reason += f" (model said passed={assessment.passed}; score decides)"
        return Verdict(
            passed=passed,
            score=assessment.score,
            threshold=threshold,
            reason=reason,
            judge=self.name,
            model=self.model_id,
            latency_ms=latency,
            requirement=requirement,
        )

    def evaluate(
        self, output: str, intent_description: str, threshold: float | None = None
    ) -> Verdict:
        return self.evaluate_batch([(output, intent_description)], threshold)[0]

    def _split(
        self, pairs: Sequence[tuple[str, str]], thresholds: Any
    ) -> tuple[list[float], list[Verdict | None], list[int]]:
        limits = resolve_thresholds(thresholds, len(pairs), self.default_threshold)
        verdicts: list[Verdict | None] = [None] * len(pairs)
        live = []
        for i, (output, requirement) in enumerate(pairs):
            check_text(requirement, what="intent_description")
            if check_text(output).strip():
                live.append(i)
            else:
                verdicts[i] = empty_output_verdict(self, requirement, limits[i])
        return limits, verdicts, live

    def evaluate_batch(
        self,
        pairs: Sequence[tuple[str, str]],
        thresholds: float | Sequence[float | None] | None = None,
    ) -> list[Verdict]:
        limits, verdicts, live = self._split(pairs, thresholds)
        started = time.perf_counter()
        inputs = [{"output": pairs[i][0], "requirement": pairs[i][1]} for i in live]
        raws = self._chain.batch(inputs, {"max_concurrency": self.max_concurrency}) if live else []
        latency = (time.perf_counter() - started) * 1000 / max(len(live), 1)
        for i, raw in zip(live, raws):
            verdicts[i] = self._verdict(raw, pairs[i][1], limits[i], latency)
        return [v for v in verdicts if v is not None]

    async def aevaluate(
        self, output: str, intent_description: str, threshold: float | None = None
    ) -> Verdict:
        return (await self.aevaluate_batch([(output, intent_description)], threshold))[0]

    async def aevaluate_batch(
        self,
        pairs: Sequence[tuple[str, str]],
        thresholds: float | Sequence[float | None] | None = None,
    ) -> list[Verdict]:
        limits, verdicts, live = self._split(pairs, thresholds)
        started = time.perf_counter()
        inputs = [{"output": pairs[i][0], "requirement": pairs[i][1]} for i in live]
        raws = (
            await self._chain.abatch(inputs, {"max_concurrency": self.max_concurrency})
            if live
            else []
        )
        latency = (time.perf_counter() - started) * 1000 / max(len(live), 1)
        for i, raw in zip(live, raws):
            verdicts[i] = self._verdict(raw, pairs[i][1], limits[i], latency)
        return [v for v in verdicts if v is not None]

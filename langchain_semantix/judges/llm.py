"""LLM judge: any LangChain chat model with structured output grades the text."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable
from pydantic import BaseModel, Field, ValidationError

from langchain_semantix.errors import JudgeModelError, JudgeReplyError, require_threshold
from langchain_semantix.judges.base import Judge, Verdict

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
        if not isinstance(model, Runnable):
            raise TypeError(
                f"model must be a LangChain chat model (e.g. init_chat_model('openai:gpt-4o-mini')) or a Runnable, got {model!r:.80}"
            )
        if max_concurrency is not None and (
            isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1
        ):
            raise ValueError(f"max_concurrency must be a whole number >= 1 or None (no limit), got {max_concurrency!r}")
        self.model = model
        self.default_threshold = require_threshold(default_threshold, what="default_threshold")
        self.max_concurrency = max_concurrency
        try:
            structured = model.with_structured_output(JudgeAssessment) if isinstance(model, BaseChatModel) else model
        except NotImplementedError:
            raise JudgeModelError(
                f"{type(model).__name__} does not support structured output (with_structured_output), which LLMJudge "
                "needs; use a chat model with tool calling or JSON mode, or pass a Runnable that returns a JudgeAssessment"
            ) from None
        self._chain: Runnable[Any, Any] = prompt | structured

    @property
    def model_id(self) -> str | None:
        for attr in ("model_name", "model"):
            value = getattr(self.model, attr, None)
            if isinstance(value, str):
                return value
        return type(self.model).__name__

    def _assessment(self, raw: Any) -> JudgeAssessment:
        if isinstance(raw, JudgeAssessment):
            return raw
        try:
            return JudgeAssessment.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}" for e in exc.errors())
            raise JudgeReplyError(
                f"the LLM judge's model ({self.model_id}) replied {raw!r:.120}, not an assessment "
                f"{{passed: bool, score: 0-1, reason: str}} ({problems}). Use a chat model that supports "
                "structured output (with_structured_output), or a Runnable that returns a JudgeAssessment or such a dict"
            ) from None

    def _verdict(self, raw: Any, requirement: str, threshold: float, latency: float) -> Verdict:
        assessment = self._assessment(raw)
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

    def _inputs(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"output": output, "requirement": requirement} for output, requirement in pairs]

    def _verdicts(
        self, raws: Sequence[Any], pairs: Sequence[tuple[str, str]], thresholds: Sequence[float], started: float
    ) -> list[Verdict]:
        latency = (time.perf_counter() - started) * 1000 / max(len(pairs), 1)
        return [self._verdict(raw, req, t, latency) for raw, (_, req), t in zip(raws, pairs, thresholds)]

    def score_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        """Grade the pairs with the model's ``batch`` (``max_concurrency`` calls at a time)."""
        started = time.perf_counter()
        raws = self._chain.batch(self._inputs(pairs), {"max_concurrency": self.max_concurrency})
        return self._verdicts(raws, pairs, thresholds, started)

    async def ascore_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        """Grade the pairs with the model's native ``abatch``."""
        started = time.perf_counter()
        raws = await self._chain.abatch(self._inputs(pairs), {"max_concurrency": self.max_concurrency})
        return self._verdicts(raws, pairs, thresholds, started)

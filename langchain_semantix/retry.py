"""A runnable that re-prompts the model with the judge's feedback until the text passes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import patch_config
from pydantic import ConfigDict, field_validator

from langchain_semantix._messages import message_text, to_messages
from langchain_semantix.corrections import CorrectionSession, CorrectionSink
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge
from langchain_semantix.loop import arun_loop, check_max_attempts, run_loop
from langchain_semantix.parser import _as_intent_list
from langchain_semantix.validation import default_judge

__all__ = ["IntentRetry", "with_intent_retry"]


class IntentRetry(RunnableSerializable[Any, str]):
    """Calls ``bound`` (messages -> message or text), judges the text, and on failure
    calls it again with the rejected draft and the feedback appended.

    Unlike ``Runnable.with_retry``, which re-sends the same prompt, each retry carries
    the judge's feedback, so the model can heal. Returns the accepted text; raises
    :class:`SemanticIntentError` listing every attempt when ``max_attempts`` run out.
    Pass a :class:`TrainingCollector` in ``config["callbacks"]`` to record corrections.

    Use :func:`with_intent_retry` to build one.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    bound: Runnable[Any, Any]
    intents: list[type[Intent]]
    judge: Judge | None = None
    max_attempts: int = 3
    thresholds: dict[str, float] | None = None
    #: Keep every rejected draft and feedback in the retry prompt (default: only the latest).
    keep_history: bool = False
    collector: Any = None

    @field_validator("intents", mode="before")
    @classmethod
    def _check_intents(cls, value: Any) -> list[type[Intent]]:
        return _as_intent_list(value)

    @field_validator("max_attempts")
    @classmethod
    def _check_attempts(cls, value: int) -> int:
        return check_max_attempts(value)

    def _session(self) -> CorrectionSession:
        judge = self.judge or default_judge()
        return CorrectionSession(
            self.intents, judge_name=judge.name, judge_model=judge.model_id, source="intent_retry"
        )

    def _prompt(self, base: list[BaseMessage], session: CorrectionSession) -> list[BaseMessage]:
        corrections: list[BaseMessage] = []
        failed = session.attempts if self.keep_history else session.attempts[-1:]
        for attempt in failed:
            corrections += [AIMessage(attempt.output), HumanMessage(attempt.feedback or "")]
        return base + corrections

    def _sink(self) -> CorrectionSink | None:
        return self.collector if isinstance(self.collector, CorrectionSink) else None

    def _invoke(self, input: Any, config: RunnableConfig, run_manager: Any) -> str:
        base = to_messages(input)
        child = patch_config(config, callbacks=run_manager.get_child())

        def generate(n: int, session: CorrectionSession, model_config: RunnableConfig) -> str:
            messages = self._prompt(base, session)
            session.note_sent(n, messages)
            return message_text(self.bound.invoke(messages, model_config))

        text, _ = run_loop(
            generate,
            self._session(),
            judge=self.judge or default_judge(),
            max_attempts=self.max_attempts,
            thresholds=self.thresholds,
            config=child,
            sink=self._sink(),
        )
        return text

    async def _ainvoke(self, input: Any, config: RunnableConfig, run_manager: Any) -> str:
        base = to_messages(input)
        child = patch_config(config, callbacks=run_manager.get_child())

        async def agenerate(n: int, session: CorrectionSession, model_config: RunnableConfig) -> str:
            messages = self._prompt(base, session)
            session.note_sent(n, messages)
            return message_text(await self.bound.ainvoke(messages, model_config))

        text, _ = await arun_loop(
            agenerate,
            self._session(),
            judge=self.judge or default_judge(),
            max_attempts=self.max_attempts,
            thresholds=self.thresholds,
            config=child,
            sink=self._sink(),
        )
        return text

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return self._call_with_config(self._invoke, input, config, run_type="chain")

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return await self._acall_with_config(self._ainvoke, input, config, run_type="chain")


def with_intent_retry(
    model: Runnable[Any, Any],
    intent: type[Intent] | Sequence[type[Intent]],
    *,
    judge: Judge | None = None,
    max_attempts: int = 3,
    thresholds: dict[str, float] | None = None,
    keep_history: bool = False,
    collector: CorrectionSink | None = None,
) -> IntentRetry:
    """Wrap a chat model (or any messages -> message runnable) in a healing retry loop.

    Example:
        .. code-block:: python

            chain = prompt | with_intent_retry(model, PoliteDecline, max_attempts=3)
            text = chain.invoke({"event": "the retreat"}, config={"callbacks": [collector]})
    """
    return IntentRetry(
        bound=model,
        intents=intent,
        judge=judge,
        max_attempts=max_attempts,
        thresholds=thresholds,
        keep_history=keep_history,
        collector=collector,
    )

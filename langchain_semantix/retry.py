"""A runnable that re-prompts the model with the judge's feedback until the text passes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import merge_configs, patch_config
from pydantic import ConfigDict, PrivateAttr, field_validator

from langchain_semantix._messages import to_messages
from langchain_semantix.attempts import (
    AttemptPolicy,
    CorrectionSession,
    arun_attempts,
    check_flag,
    check_max_attempts,
    check_sink,
    run_attempts,
)
from langchain_semantix.errors import require_text
from langchain_semantix.events import CorrectionSink
from langchain_semantix.feedback import FeedbackRenderer
from langchain_semantix.intents import Intent, as_intent_list
from langchain_semantix.judges.base import Judge
from langchain_semantix.scoring import check_judge, check_thresholds

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
    #: A :class:`TrainingCollector` (or any :class:`CorrectionSink`) that records healed pairs.
    collector: Any = None
    feedback_renderer: FeedbackRenderer | None = None
    _policy: AttemptPolicy | None = PrivateAttr(default=None)

    @field_validator("intents", mode="before")
    @classmethod
    def _check_intents(cls, value: Any) -> list[type[Intent]]:
        return as_intent_list(value)

    @field_validator("max_attempts", mode="before")
    @classmethod
    def _check_attempts(cls, value: Any) -> int:
        return check_max_attempts(value)

    _check_judge = field_validator("judge", mode="before")(check_judge)
    _check_thresholds = field_validator("thresholds", mode="before")(check_thresholds)

    @field_validator("keep_history", mode="before")
    @classmethod
    def _check_keep_history(cls, value: Any) -> bool:
        return check_flag(value, what="keep_history")

    @field_validator("collector")
    @classmethod
    def _check_collector(cls, value: Any) -> CorrectionSink | None:
        return check_sink(value)

    @property
    def policy(self) -> AttemptPolicy:
        """The attempt policy (built on first use, then reused by every call)."""
        if self._policy is None:
            self._policy = AttemptPolicy(
                self.intents,
                judge=self.judge,
                thresholds=self.thresholds,
                max_attempts=self.max_attempts,
                feedback_renderer=self.feedback_renderer,
                source="intent_retry",
            )
        return self._policy

    def _prompt(self, base: list[BaseMessage], n: int, session: CorrectionSession) -> list[BaseMessage]:
        messages = base + session.corrections(keep_history=self.keep_history)
        session.note_sent(n, messages)
        return messages

    def _child(self, config: RunnableConfig, run_manager: Any) -> RunnableConfig:
        # A collector passed as collector= also sees the model calls (real prompt, model, run id).
        child = patch_config(config, callbacks=run_manager.get_child())
        if isinstance(self.collector, BaseCallbackHandler):
            child = merge_configs(child, {"callbacks": [self.collector]})
        return child

    def _invoke(self, input: Any, run_manager: Any, config: RunnableConfig) -> str:
        base = to_messages(input)

        def generate(n: int, session: CorrectionSession, model_config: RunnableConfig) -> str:
            return require_text(self.bound.invoke(self._prompt(base, n, session), model_config))

        return run_attempts(self.policy, generate, self._child(config, run_manager), self.collector)[0]

    async def _ainvoke(self, input: Any, run_manager: Any, config: RunnableConfig) -> str:
        base = to_messages(input)

        async def agenerate(n: int, session: CorrectionSession, model_config: RunnableConfig) -> str:
            return require_text(await self.bound.ainvoke(self._prompt(base, n, session), model_config))

        return (await arun_attempts(self.policy, agenerate, self._child(config, run_manager), self.collector))[0]

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
    feedback_renderer: FeedbackRenderer | None = None,
) -> IntentRetry:
    """Wrap a chat model (or any messages -> message runnable) in a healing retry loop.

    Example:
        .. code-block:: python

            chain = prompt | with_intent_retry(model, PoliteDecline, max_attempts=3)
            text = chain.invoke({"event": "the retreat"}, config={"callbacks": [collector]})
    """
    return IntentRetry(
        bound=model,
        intents=as_intent_list(intent),
        judge=judge,
        max_attempts=max_attempts,
        thresholds=thresholds,
        keep_history=keep_history,
        collector=collector,
        feedback_renderer=feedback_renderer,
    )

"""Helpers for testing guarded chains offline: a deterministic judge and a scripted model.

Example:
    .. code-block:: python

        from langchain_semantix.testing import KeywordJudge, ScriptedChatModel

        model = ScriptedChatModel(draft="No. Go away.", revision="Thank you, but I can't attend.")
        judge = KeywordJudge(fail_words=["go away"])
        chain = with_intent_retry(model, PoliteDecline, judge=judge)
        chain.invoke("Decline the party invitation.")   # heals on attempt 2
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, PrivateAttr

from langchain_semantix.feedback import is_feedback_message
from langchain_semantix.judges.base import Judge, Verdict

__all__ = ["KeywordJudge", "ScriptedChatModel", "user_prompt"]

Reply = str | Callable[[str], str]


class KeywordJudge(Judge):
    """A deterministic judge: fails any output containing one of ``fail_words``.

    Score is 0.05 with a fail word, 0.95 without (case-insensitive). With
    ``pass_words`` set, an output must also contain one of them to pass (else 0.3). An empty
    output fails with score 0 and a blank requirement is an error, as for every judge.
    ``calls`` counts the outputs scored.
    """

    name: ClassVar[str] = "keyword"

    def __init__(
        self,
        fail_words: Sequence[str] = (),
        *,
        pass_words: Sequence[str] = (),
        default_threshold: float = 0.5,
    ) -> None:
        self.fail_words = [w.lower() for w in fail_words]
        self.pass_words = [w.lower() for w in pass_words]
        self.default_threshold = default_threshold
        self.calls = 0

    @property
    def model_id(self) -> str | None:
        return "keywords"

    def score_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        self.calls += len(pairs)
        return [self._verdict(output, requirement, limit) for (output, requirement), limit in zip(pairs, thresholds)]

    def _verdict(self, output: str, requirement: str, limit: float) -> Verdict:
        text = output.lower()
        found = next((w for w in self.fail_words if w in text), None)
        if found:
            score, reason = 0.05, f"contains {found!r}"
        elif self.pass_words and not any(w in text for w in self.pass_words):
            score, reason = 0.3, f"mentions none of {self.pass_words}"
        else:
            score, reason = 0.95, None
        return Verdict(
            passed=score >= limit,
            score=score,
            threshold=limit,
            reason=None if score >= limit else reason,
            judge=self.name,
            model=self.model_id,
            requirement=requirement,
        )


def user_prompt(messages: Sequence[BaseMessage]) -> str:
    """The last human message that is not a feedback turn (the real request).

    Feedback turns are recognised by their marker only (see
    :func:`~langchain_semantix.feedback.feedback_message`), whatever renderer wrote them.
    """
    for message in reversed(messages):
        if message.type == "human" and not is_feedback_message(message):
            return message.text
    return ""


class ScriptedChatModel(BaseChatModel):
    """A chat model that answers ``draft`` until it sees a feedback turn, then ``revision``.

    A feedback turn is a message marked by
    :func:`~langchain_semantix.feedback.feedback_message` (every driver marks its own; a
    ``@validate_intent`` function should wrap ``semantix_feedback`` in it too).

    Either may be a string or a function of the user's request. Every call's messages
    are kept in :attr:`calls`, so tests can assert what the model received.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    draft: Any
    revision: Any = None
    model_name: str = "scripted"
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def calls(self) -> list[list[BaseMessage]]:
        """The messages of every call, in call order."""
        return self._calls

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def _reply(self, messages: list[BaseMessage]) -> str:
        saw_feedback = any(is_feedback_message(m) for m in messages)
        reply = self.revision if saw_feedback and self.revision is not None else self.draft
        return reply(user_prompt(messages)) if callable(reply) else str(reply)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            self._calls.append(list(messages))
        message = AIMessage(self._reply(messages), response_metadata={"model_name": self.model_name})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        """Tools are accepted (for agents) and never called."""
        return self

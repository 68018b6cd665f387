"""Attempts and correction sessions: what every retry path reports to collectors.

Each validation loop (retry runnable, decorator, subgraph, agent middleware) opens a
:class:`CorrectionSession`. Model calls made for an attempt carry the session id and
attempt number in their run metadata, so a callback handler sees the real prompt in
``on_chat_model_start``; each judged attempt and the final outcome are sent as
LangChain custom events. Concurrent runs never mix because every key is the session id.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from langchain_core.callbacks.manager import adispatch_custom_event, dispatch_custom_event
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ensure_config, merge_configs

from langchain_semantix._messages import messages_to_dicts
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Verdict

__all__ = [
    "Attempt",
    "CorrectionSession",
    "CorrectionSink",
    "ATTEMPT_EVENT",
    "OUTCOME_EVENT",
    "SESSION_KEY",
    "ATTEMPT_KEY",
]

ATTEMPT_EVENT = "semantix_attempt"
OUTCOME_EVENT = "semantix_outcome"
SESSION_KEY = "semantix_session"
ATTEMPT_KEY = "semantix_attempt"


@runtime_checkable
class CorrectionSink(Protocol):
    """Anything that takes finished sessions (a :class:`TrainingCollector`, for one)."""

    def handle_outcome(self, outcome: dict[str, Any]) -> None: ...


@dataclass
class Attempt:
    """One generated output and its verdicts."""

    number: int
    output: str
    verdicts: list[Verdict]
    feedback: str | None = None
    latency_ms: float = 0.0

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def score(self) -> float | None:
        scores = [v.score for v in self.verdicts if v.score is not None]
        return min(scores) if scores else None

    @property
    def reason(self) -> str | None:
        reasons = [v.reason for v in self.verdicts if not v.passed and v.reason]
        return "; ".join(reasons) or None

    @classmethod
    def from_summary(cls, data: dict[str, Any]) -> Attempt:
        """Rebuild an attempt from :meth:`summary` (graph state holds summaries)."""
        return cls(
            number=data["attempt"],
            output=data["output"],
            verdicts=[Verdict.model_validate(v) for v in data.get("verdicts", [])],
            feedback=data.get("feedback"),
            latency_ms=data.get("latency_ms") or 0.0,
        )

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description (used in records, events and errors)."""
        first = self.verdicts[0] if self.verdicts else None
        return {
            "attempt": self.number,
            "output": self.output,
            "passed": self.passed,
            "score": self.score,
            "reason": self.reason,
            "feedback": self.feedback,
            "threshold": first.threshold if first else None,
            "latency_ms": round(self.latency_ms, 3),
            "verdicts": [v.model_dump(exclude_none=True) for v in self.verdicts],
        }


@dataclass
class CorrectionSession:
    """The attempts of one validation loop, and the events that report them."""

    intents: Sequence[type[Intent]]
    judge_name: str | None = None
    judge_model: str | None = None
    source: str = "loop"
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    attempts: list[Attempt] = field(default_factory=list)
    #: The messages the loop itself sent per attempt (used when no chat-model callback saw them).
    sent_messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def model_config(self, config: RunnableConfig | None, attempt: int) -> RunnableConfig:
        """``config`` plus the session/attempt metadata every child run inherits."""
        return merge_configs(
            config, {"metadata": {SESSION_KEY: self.id, ATTEMPT_KEY: attempt}}
        )

    def note_sent(self, attempt: int, messages: Sequence[BaseMessage]) -> None:
        self.sent_messages[attempt] = messages_to_dicts(messages)

    def add(self, attempt: Attempt) -> dict[str, Any]:
        self.attempts.append(attempt)
        return self.attempt_event(attempt)

    def attempt_event(self, attempt: Attempt) -> dict[str, Any]:
        """The payload of the per-attempt event (also the subgraph's stream event)."""
        return {
            "type": ATTEMPT_EVENT,
            "session_id": self.id,
            "intent": " & ".join(i.__name__ for i in self.intents),
            "attempt": attempt.number,
            "passed": attempt.passed,
            "score": attempt.score,
            "threshold": attempt.verdicts[0].threshold if attempt.verdicts else None,
            "latency_ms": round(attempt.latency_ms, 3),
        }

    def outcome(self, *, passed: bool, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The payload a collector turns into a record (when a retry healed the output)."""
        accepted = self.attempts[-1] if passed and self.attempts else None
        return {
            "type": OUTCOME_EVENT,
            "session_id": self.id,
            "source": self.source,
            "passed": passed,
            "intents": [
                {"name": i.__name__, "description": i.description(), "threshold": i.threshold}
                for i in self.intents
            ],
            "judge": self.judge_name,
            "judge_model": self.judge_model,
            "attempts": [a.summary() for a in self.attempts],
            "accepted_attempt": accepted.number if accepted else None,
            "sent_messages": self.sent_messages.get(accepted.number) if accepted else None,
            **(extra or {}),
        }

    # -- event dispatch -------------------------------------------------------------

    @staticmethod
    def _has_parent_run(config: RunnableConfig | None) -> bool:
        callbacks = ensure_config(config).get("callbacks")
        return getattr(callbacks, "parent_run_id", None) is not None

    def emit(self, payload: dict[str, Any], config: RunnableConfig | None) -> None:
        """Send ``payload`` as a custom event to the run's callback handlers."""
        if self._has_parent_run(config):
            dispatch_custom_event(payload["type"], payload, config=config)

    async def aemit(self, payload: dict[str, Any], config: RunnableConfig | None) -> None:
        if self._has_parent_run(config):
            await adispatch_custom_event(payload["type"], payload, config=config)

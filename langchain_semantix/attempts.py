"""The attempt step, written once: judge an output, render feedback, record the attempt,
report the session's events and outcome, and build the exhaustion error.

Every driver is a thin shell around it: :class:`~langchain_semantix.retry.IntentRetry`
and ``@validate_intent`` run :func:`run_attempts`; the retry subgraph's nodes and
``IntentMiddleware``'s ``wrap_model_call`` call :meth:`AttemptPolicy.check` and
:meth:`AttemptPolicy.finish` themselves. An :class:`AttemptPolicy` is built once per
driver (intents, scorer, renderer); a :class:`CorrectionSession` is the cheap per-run
record of attempts.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from langchain_core.callbacks.manager import adispatch_custom_event, dispatch_custom_event
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import var_child_runnable_config

from langchain_semantix._messages import messages_to_dicts
from langchain_semantix.errors import SemanticIntentError
from langchain_semantix.events import (
    ATTEMPT_EVENT,
    ATTEMPT_KEY,
    OUTCOME_EVENT,
    SESSION_KEY,
    AttemptEvent,
    AttemptSummary,
    CorrectionSink,
    IntentInfo,
    OutcomeEvent,
    Review,
)
from langchain_semantix.feedback import FeedbackRenderer, feedback_message, render_feedback
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge, Verdict
from langchain_semantix.scoring import IntentScorer

__all__ = [
    "Attempt",
    "AttemptPolicy",
    "CorrectionSession",
    "run_attempts",
    "arun_attempts",
    "check_max_attempts",
    "check_sink",
    "call_in_config",
    "acall_in_config",
]

#: generate(attempt_number, session, config_for_the_model_call) -> the model's text
Generate = Callable[[int, "CorrectionSession", RunnableConfig], str]
AGenerate = Callable[[int, "CorrectionSession", RunnableConfig], Awaitable[str]]


def call_in_config(config: RunnableConfig, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` with ``config`` as the ambient runnable config, so every model call
    inside it (which reads that config) carries the session metadata and callbacks."""
    token = var_child_runnable_config.set(config)
    try:
        return func(*args, **kwargs)
    finally:
        var_child_runnable_config.reset(token)


async def acall_in_config(config: RunnableConfig, func: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
    """Async :func:`call_in_config`."""
    token = var_child_runnable_config.set(config)
    try:
        return await func(*args, **kwargs)
    finally:
        var_child_runnable_config.reset(token)


def check_max_attempts(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_attempts must be an integer >= 1, got {value!r:.60}")
    return value


def check_flag(value: object, *, what: str) -> bool:
    """``value`` if it is a bool; else a ``TypeError`` (a string like ``"no"`` would read as true)."""
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, got {value!r:.60}")
    return value


def check_sink(collector: object) -> CorrectionSink | None:
    """``collector`` if it takes finished sessions (or is ``None``); else a ``TypeError`` with the fix."""
    if collector is None or callable(getattr(collector, "handle_outcome", None)):
        return cast("CorrectionSink | None", collector)
    raise TypeError(
        f"collector must be a TrainingCollector (or any object with handle_outcome), got {collector!r:.80}; "
        "for a file, pass TrainingCollector(path)"
    )


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
        return min((v.score for v in self.verdicts if v.score is not None), default=None)

    @property
    def reason(self) -> str | None:
        return "; ".join(v.reason for v in self.verdicts if not v.passed and v.reason) or None

    def summary(self) -> AttemptSummary:
        """A JSON-ready description (used in records, events and errors)."""
        return {
            "attempt": self.number,
            "output": self.output,
            "passed": self.passed,
            "score": self.score,
            "reason": self.reason,
            "feedback": self.feedback,
            "threshold": self.verdicts[0].threshold if self.verdicts else None,
            "latency_ms": round(self.latency_ms, 3),
            "verdicts": [v.model_dump(exclude_none=True) for v in self.verdicts],
        }


def _new_session_id() -> str:
    """32 random hex digits, as ``uuid.uuid4().hex`` writes, at a fifth of its cost (one per run)."""
    return os.urandom(16).hex()


@dataclass
class CorrectionSession:
    """The attempts of one run of a driver. ``attempts`` holds their summaries;
    ``last`` the latest attempt itself (verdicts included)."""

    policy: AttemptPolicy
    id: str = field(default_factory=lambda: _new_session_id())
    attempts: list[AttemptSummary] = field(default_factory=list)
    last: Attempt | None = None
    #: The prompt the driver sent per attempt (used when no chat-model callback saw it).
    sent_messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def next_number(self) -> int:
        return len(self.attempts) + 1

    def model_config(self, config: RunnableConfig | None, attempt: int) -> RunnableConfig:
        """``config`` plus the session/attempt metadata every child run inherits."""
        # A shallow copy with one more metadata layer: callbacks stay as they are (cheaper
        # than merge_configs, which copies callback managers on every call).
        base: dict[str, Any] = dict(config or {})
        base["metadata"] = {**(base.get("metadata") or {}), SESSION_KEY: self.id, ATTEMPT_KEY: attempt}
        return cast(RunnableConfig, base)

    def note_sent(self, attempt: int, messages: Sequence[BaseMessage]) -> None:
        self.sent_messages[attempt] = messages_to_dicts(messages)

    def corrections(self, *, keep_history: bool, since: int = 0) -> list[AIMessage | HumanMessage]:
        """The rejected drafts and their feedback turns to append to the prompt (only the
        latest pair unless ``keep_history``), of the attempts after the first ``since``."""
        failed = [a for a in self.attempts[since:] if not a["passed"]]
        failed = failed if keep_history else failed[-1:]
        out: list[AIMessage | HumanMessage] = []
        for attempt in failed:
            out += [AIMessage(attempt["output"]), feedback_message(attempt["feedback"] or "")]
        return out

    def attempt_event(self, attempt: Attempt) -> AttemptEvent:
        """The payload of the per-attempt event (also the subgraph's stream event)."""
        return {
            "type": ATTEMPT_EVENT,
            "session_id": self.id,
            "intent": self.policy.label,
            "attempt": attempt.number,
            "passed": attempt.passed,
            "score": attempt.score,
            "threshold": attempt.verdicts[0].threshold if attempt.verdicts else None,
            "latency_ms": round(attempt.latency_ms, 3),
        }

    def outcome(
        self, *, passed: bool, accepted: int | None = None, review: Review | None = None, source: str | None = None
    ) -> OutcomeEvent:
        """The payload a collector turns into a record. ``accepted`` defaults to the
        last attempt when ``passed``."""
        if accepted is None and passed and review is None and self.attempts:
            accepted = self.attempts[-1]["attempt"]
        payload: OutcomeEvent = {
            "type": OUTCOME_EVENT,
            "session_id": self.id,
            "source": source or self.policy.source,
            "passed": passed,
            "intents": self.policy.intent_info,
            "judge": self.policy.judge.name,
            "judge_model": self.policy.judge.model_id,
            "attempts": list(self.attempts),
            "accepted_attempt": accepted,
            "sent_messages": self.sent_messages.get(accepted) if accepted is not None else None,
        }
        if review is not None:
            payload["review"] = review
        return payload

    def error(self) -> SemanticIntentError:
        """The exhaustion error: the last attempt's verdicts, every attempt listed."""
        if self.last is not None:
            output, verdicts, feedback = self.last.output, self.last.verdicts, self.last.feedback
        else:  # a session resumed from summaries (the subgraph's state)
            summary = self.attempts[-1]
            output, feedback = summary["output"], summary["feedback"]
            verdicts = [Verdict.model_validate(v) for v in summary["verdicts"]]
        return SemanticIntentError.from_verdicts(output, verdicts, feedback, attempts=self.attempts)

    def emit(self, payload: Mapping[str, Any], config: RunnableConfig | None) -> None:
        """Send ``payload`` as a custom event to the run's callback handlers."""
        if _has_parent_run(config):
            dispatch_custom_event(payload["type"], payload, config=config)

    async def aemit(self, payload: Mapping[str, Any], config: RunnableConfig | None) -> None:
        if _has_parent_run(config):
            await adispatch_custom_event(payload["type"], payload, config=config)


def _has_parent_run(config: RunnableConfig | None) -> bool:
    """Whether a custom event would reach anyone: a parent run with at least one handler."""
    callbacks = (config or {}).get("callbacks")
    if callbacks is None:  # what ensure_config would fall back to, without copying it
        callbacks = (var_child_runnable_config.get() or {}).get("callbacks")
    return getattr(callbacks, "parent_run_id", None) is not None and bool(getattr(callbacks, "handlers", None))


class AttemptPolicy:
    """What every attempt of one driver shares, built once when the driver is built.

    Args:
        intents: One Intent or several; all must pass.
        judge: Defaults to the NLI judge, loaded at first use.
        thresholds: Per-intent pass marks overriding the classes' ``threshold``.
        max_attempts: Generations before the driver's exhaustion behaviour applies.
        feedback_renderer: ``renderer(output, verdicts, attempt) -> str``; defaults to
            :func:`~langchain_semantix.feedback.render_feedback`.
        source: The driver's name in outcome events (``"custom"`` for a driver of your own).
    """

    def __init__(
        self,
        intents: type[Intent] | Sequence[type[Intent]],
        *,
        judge: Judge | None = None,
        thresholds: Mapping[str, float] | None = None,
        max_attempts: int = 3,
        feedback_renderer: FeedbackRenderer | None = None,
        source: str = "custom",
    ) -> None:
        self.scorer = IntentScorer(intents, judge, thresholds)
        self.intents = self.scorer.intents
        self.max_attempts = check_max_attempts(max_attempts)
        self.render: FeedbackRenderer = feedback_renderer or render_feedback
        if not callable(self.render):
            raise TypeError(f"feedback_renderer must be a callable (output, verdicts, attempt) -> str, got {self.render!r}")
        self.source = source
        self.label = " & ".join(i.__name__ for i in self.intents)
        self.intent_info: list[IntentInfo] = [
            {"name": i.__name__, "description": i.description(), "threshold": i.threshold} for i in self.intents
        ]

    @property
    def judge(self) -> Judge:
        return self.scorer.judge

    def session(self, id: str | None = None, attempts: Sequence[AttemptSummary] = ()) -> CorrectionSession:
        """A new session, or one resumed from its id and attempt summaries (graph state)."""
        return CorrectionSession(self, id=id or _new_session_id(), attempts=list(attempts))

    def _record(self, session: CorrectionSession, text: str, verdicts: list[Verdict], started: float) -> Attempt:
        n = session.next_number
        attempt = Attempt(n, text, verdicts, latency_ms=(time.perf_counter() - started) * 1000)
        if not attempt.passed:
            attempt.feedback = self.render(text, verdicts, n)
        session.attempts.append(attempt.summary())
        session.last = attempt
        return attempt

    def check(self, session: CorrectionSession, text: str, config: RunnableConfig | None, started: float) -> Attempt:
        """Judge ``text`` as the session's next attempt, record it and report it."""
        attempt = self._record(session, text, self.scorer.score([text])[0], started)
        if _has_parent_run(config):  # the event is built only when a handler will receive it
            event = session.attempt_event(attempt)
            dispatch_custom_event(event["type"], event, config=config)
        return attempt

    async def acheck(self, session: CorrectionSession, text: str, config: RunnableConfig | None, started: float) -> Attempt:
        """Async :meth:`check`."""
        attempt = self._record(session, text, (await self.scorer.ascore([text]))[0], started)
        if _has_parent_run(config):
            event = session.attempt_event(attempt)
            await adispatch_custom_event(event["type"], event, config=config)
        return attempt

    def finish(
        self, session: CorrectionSession, passed: bool, config: RunnableConfig | None, sink: CorrectionSink | None = None, **outcome: Any
    ) -> OutcomeEvent:
        """Report the session's outcome (to the callbacks, and to ``sink`` when given)."""
        payload = session.outcome(passed=passed, **outcome)
        session.emit(payload, config)
        if sink is not None:
            sink.handle_outcome(payload)
        return payload

    async def afinish(
        self, session: CorrectionSession, passed: bool, config: RunnableConfig | None, sink: CorrectionSink | None = None, **outcome: Any
    ) -> OutcomeEvent:
        """Async :meth:`finish`."""
        payload = session.outcome(passed=passed, **outcome)
        await session.aemit(payload, config)
        ahandle = getattr(sink, "ahandle_outcome", None)
        if ahandle is not None:
            await ahandle(payload)  # writes off the event loop
        elif sink is not None:
            sink.handle_outcome(payload)
        return payload


def run_attempts(
    policy: AttemptPolicy, generate: Generate, config: RunnableConfig | None, sink: CorrectionSink | None = None
) -> tuple[str, CorrectionSession]:
    """Generate, judge, feed back, retry; return the passing text or raise the exhaustion error.

    A run that stops on an error (the model's, the judge's, a cancellation) after judging
    an attempt still reports its session, as not healed, so that collectors let go of the
    prompts they hold for it; then the error propagates."""
    session = policy.session()
    try:
        for n in range(1, policy.max_attempts + 1):
            started = time.perf_counter()
            text = generate(n, session, session.model_config(config, n))
            if policy.check(session, text, config, started).passed:
                break
        else:
            text = None
    except BaseException:
        if session.attempts:
            with contextlib.suppress(Exception):  # the run's own error is the one to see
                policy.finish(session, False, config, sink)
        raise
    policy.finish(session, text is not None, config, sink)
    if text is None:
        raise session.error()
    return text, session


async def arun_attempts(
    policy: AttemptPolicy, agenerate: AGenerate, config: RunnableConfig | None, sink: CorrectionSink | None = None
) -> tuple[str, CorrectionSession]:
    """Async :func:`run_attempts`."""
    session = policy.session()
    try:
        for n in range(1, policy.max_attempts + 1):
            started = time.perf_counter()
            text = await agenerate(n, session, session.model_config(config, n))
            if (await policy.acheck(session, text, config, started)).passed:
                break
        else:
            text = None
    except BaseException:
        if session.attempts:
            with contextlib.suppress(Exception):  # the run's own error (or its cancellation) is the one to see
                await policy.afinish(session, False, config, sink)
        raise
    await policy.afinish(session, text is not None, config, sink)
    if text is None:
        raise session.error()
    return text, session

"""The validate -> feedback -> retry loop shared by the retry runnable and the decorator."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig

from langchain_semantix.corrections import Attempt, CorrectionSession, CorrectionSink
from langchain_semantix.errors import SemanticIntentError
from langchain_semantix.feedback import render_feedback
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge, Verdict
from langchain_semantix.validation import ajudge_intents, judge_intents

__all__ = ["run_loop", "arun_loop", "check_max_attempts"]

#: generate(attempt_number, session, config_for_the_model_call) -> text
Generate = Callable[[int, CorrectionSession, RunnableConfig], str]
AGenerate = Callable[[int, CorrectionSession, RunnableConfig], Awaitable[str]]


def check_max_attempts(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_attempts must be an integer >= 1, got {value!r}")
    return value


def _judged(n: int, text: str, verdicts: list[Verdict], started: float) -> Attempt:
    attempt = Attempt(n, text, verdicts, latency_ms=(time.perf_counter() - started) * 1000)
    if not attempt.passed:
        attempt.feedback = render_feedback(text, verdicts, n)
    return attempt


def _exhausted(session: CorrectionSession) -> SemanticIntentError:
    last = session.attempts[-1]
    return SemanticIntentError.from_verdicts(
        last.output,
        last.verdicts,
        last.feedback,
        attempts=[a.summary() for a in session.attempts],
    )


def run_loop(
    generate: Generate,
    session: CorrectionSession,
    *,
    judge: Judge,
    max_attempts: int,
    thresholds: Mapping[str, float] | None,
    config: RunnableConfig | None,
    sink: CorrectionSink | None = None,
) -> tuple[str, list[Verdict]]:
    """Generate, judge, feed back, retry; report each attempt and the outcome."""
    intents: Sequence[type[Intent]] = session.intents
    for n in range(1, max_attempts + 1):
        started = time.perf_counter()
        text = generate(n, session, session.model_config(config, n))
        verdicts = judge_intents(judge, [text], intents, thresholds)[0]
        attempt = _judged(n, text, verdicts, started)
        session.emit(session.add(attempt), config)
        if attempt.passed:
            _finish(session, True, config, sink)
            return text, verdicts
    _finish(session, False, config, sink)
    raise _exhausted(session)


async def arun_loop(
    agenerate: AGenerate,
    session: CorrectionSession,
    *,
    judge: Judge,
    max_attempts: int,
    thresholds: Mapping[str, float] | None,
    config: RunnableConfig | None,
    sink: CorrectionSink | None = None,
) -> tuple[str, list[Verdict]]:
    """Async :func:`run_loop`."""
    for n in range(1, max_attempts + 1):
        started = time.perf_counter()
        text = await agenerate(n, session, session.model_config(config, n))
        verdicts = (await ajudge_intents(judge, [text], session.intents, thresholds))[0]
        attempt = _judged(n, text, verdicts, started)
        await session.aemit(session.add(attempt), config)
        if attempt.passed:
            await _afinish(session, True, config, sink)
            return text, verdicts
    await _afinish(session, False, config, sink)
    raise _exhausted(session)


def _finish(
    session: CorrectionSession, passed: bool, config: RunnableConfig | None, sink: Any
) -> None:
    payload = session.outcome(passed=passed)
    session.emit(payload, config)
    if sink is not None:
        sink.handle_outcome(payload)


async def _afinish(
    session: CorrectionSession, passed: bool, config: RunnableConfig | None, sink: Any
) -> None:
    payload = session.outcome(passed=passed)
    await session.aemit(payload, config)
    if hasattr(sink, "ahandle_outcome"):
        await sink.ahandle_outcome(payload)  # writes off the event loop
    elif sink is not None:
        sink.handle_outcome(payload)

"""``@validate_intent``: semantix-ai's decorator, on LangChain's callback system."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_type_hints, overload

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.runnables.config import ensure_config, merge_configs

from langchain_semantix.attempts import (
    AttemptPolicy,
    CorrectionSession,
    acall_in_config,
    arun_attempts,
    call_in_config,
    run_attempts,
)
from langchain_semantix.errors import require_text
from langchain_semantix.events import CorrectionSink
from langchain_semantix.feedback import FeedbackRenderer
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge

__all__ = ["validate_intent", "FEEDBACK_PARAM"]

F = TypeVar("F", bound=Callable[..., Any])
FEEDBACK_PARAM = "semantix_feedback"
Call = tuple[tuple[Any, ...], dict[str, Any]]


def _intent_from_annotation(fn: Callable[..., Any]) -> type[Intent]:
    try:
        hint = get_type_hints(fn).get("return")
    except Exception as exc:
        raise TypeError(
            f"validate_intent cannot resolve the annotations of {fn.__qualname__} ({exc}); "
            "pass the intent explicitly: @validate_intent(MyIntent, ...)"
        ) from exc
    if isinstance(hint, type) and issubclass(hint, Intent) and hint is not Intent:
        return hint
    raise TypeError(
        f"{fn.__qualname__} is not annotated with an Intent return type (got {hint!r}). "
        "Annotate it, e.g. `def reply(...) -> PoliteDecline:`, or pass the intent: "
        "@validate_intent(PoliteDecline)."
    )


def _sink(collector: CorrectionSink | None) -> CorrectionSink | None:
    if collector is not None:
        return collector
    from langchain_semantix.training import get_default_collector

    return get_default_collector()


def _outer_config(sink: CorrectionSink | None) -> RunnableConfig:
    # Inherit the caller's run (when called inside a chain or graph) and add the
    # collector as a callback so it sees the prompts of model calls made inside fn.
    config = ensure_config()
    if isinstance(sink, BaseCallbackHandler):
        config = merge_configs(config, {"callbacks": [sink]})
    return config


def _guard(fn: F, policy: AttemptPolicy, collector: CorrectionSink | None) -> F:
    """``fn`` wrapped in the attempt loop: one run per call, one session per run."""
    takes_feedback = FEEDBACK_PARAM in inspect.signature(fn).parameters
    name = f"validate_intent[{policy.label}]"

    def call_kwargs(kwargs: dict[str, Any], session: CorrectionSession) -> dict[str, Any]:
        if takes_feedback and session.last is not None:
            return {**kwargs, FEEDBACK_PARAM: session.last.feedback}
        return kwargs

    if inspect.iscoroutinefunction(fn):

        async def abody(call: Call, config: RunnableConfig) -> str:
            args, kwargs = call

            async def agenerate(n: int, session: CorrectionSession, cfg: RunnableConfig) -> str:
                return require_text(await acall_in_config(cfg, fn, *args, **call_kwargs(kwargs, session)))

            return (await arun_attempts(policy, agenerate, config, _sink(collector)))[0]

        arunner = RunnableLambda(abody, name=name)

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> str:
            return await arunner.ainvoke((args, kwargs), _outer_config(_sink(collector)))

        return async_wrapper  # type: ignore[return-value]

    def body(call: Call, config: RunnableConfig) -> str:
        args, kwargs = call

        def generate(n: int, session: CorrectionSession, cfg: RunnableConfig) -> str:
            return require_text(call_in_config(cfg, fn, *args, **call_kwargs(kwargs, session)))

        return run_attempts(policy, generate, config, _sink(collector))[0]

    runner = RunnableLambda(body, name=name)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        return runner.invoke((args, kwargs), _outer_config(_sink(collector)))

    return wrapper  # type: ignore[return-value]


@overload
def validate_intent(func: F) -> F: ...


@overload
def validate_intent(
    func: type[Intent] | None = None,
    *,
    judge: Judge | None = ...,
    retries: int = ...,
    collector: CorrectionSink | None = ...,
    thresholds: Mapping[str, float] | None = ...,
    feedback_renderer: FeedbackRenderer | None = ...,
) -> Callable[[F], F]: ...


def validate_intent(
    func: Any = None,
    *,
    judge: Judge | None = None,
    retries: int = 0,
    collector: CorrectionSink | None = None,
    thresholds: Mapping[str, float] | None = None,
    feedback_renderer: FeedbackRenderer | None = None,
) -> Any:
    """Validate what a function returns against the Intent it is annotated with.

    On failure the function is called again (``retries`` more times). If it declares a
    ``semantix_feedback`` parameter, retries receive the Markdown feedback there
    (written by ``feedback_renderer`` when given). When a retry passes, the (rejected,
    accepted) pair goes to ``collector`` (or the default collector). Model calls made
    inside the function inherit the run's callbacks and the session metadata, so a
    :class:`TrainingCollector` records the real prompt. Raises
    :class:`SemanticIntentError` when retries run out. Works on sync and async functions.

    Example:
        .. code-block:: python

            @validate_intent(retries=2, collector=collector)
            def decline(event: str, semantix_feedback: str | None = None) -> PoliteDecline:
                messages = [("human", f"Decline this invitation: {event}")]
                if semantix_feedback:
                    messages.append(("human", semantix_feedback))
                return model.invoke(messages).text
    """
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
    explicit = func if isinstance(func, type) and issubclass(func, Intent) else None

    def decorate(fn: F) -> F:
        intent = explicit or _intent_from_annotation(fn)
        # Built once per decorated function; each call only opens a session.
        policy = AttemptPolicy(
            [intent],
            judge=judge,
            thresholds=thresholds,
            max_attempts=retries + 1,
            feedback_renderer=feedback_renderer,
            source="validate_intent",
        )
        return _guard(fn, policy, collector)

    if func is not None and explicit is None:
        return decorate(func)
    return decorate

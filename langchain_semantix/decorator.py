"""``@validate_intent``: semantix-ai's decorator, on LangChain's callback system."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, get_type_hints, overload

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import (
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
    merge_configs,
    patch_config,
)

from langchain_semantix.attempts import (
    AttemptPolicy,
    CorrectionSession,
    acall_in_config,
    arun_attempts,
    call_in_config,
    check_sink,
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


def _listened(config: RunnableConfig) -> bool:
    callbacks = config.get("callbacks")
    return bool(getattr(callbacks, "handlers", callbacks))


def _traced(name: str, config: RunnableConfig, call: Call, body: Callable[[RunnableConfig], str]) -> str:
    """Run ``body`` as one chain run named ``name`` (what ``RunnableLambda.invoke`` does,
    without its per-call signature inspection); with no callback handler, no run at all."""
    if not _listened(config):
        return body(config)
    run = get_callback_manager_for_config(config).on_chain_start(
        None, {"args": call[0], "kwargs": call[1]}, name=name, run_id=config.get("run_id")
    )
    try:
        output = body(patch_config(config, callbacks=run.get_child()))
    except BaseException as exc:
        run.on_chain_error(exc)
        raise
    run.on_chain_end(output)
    return output


async def _atraced(name: str, config: RunnableConfig, call: Call, body: Callable[[RunnableConfig], Awaitable[str]]) -> str:
    """Async :func:`_traced`."""
    if not _listened(config):
        return await body(config)
    run = await get_async_callback_manager_for_config(config).on_chain_start(
        None, {"args": call[0], "kwargs": call[1]}, name=name, run_id=config.get("run_id")
    )
    try:
        output = await body(patch_config(config, callbacks=run.get_child()))
    except BaseException as exc:
        await run.on_chain_error(exc)
        raise
    await run.on_chain_end(output)
    return output


def _guard(fn: F, policy: AttemptPolicy, collector: CorrectionSink | None) -> F:
    """``fn`` wrapped in the attempt loop: one chain run per call, one session per run."""
    takes_feedback = FEEDBACK_PARAM in inspect.signature(fn).parameters
    name = f"validate_intent[{policy.label}]"

    def call_kwargs(kwargs: dict[str, Any], session: CorrectionSession) -> dict[str, Any]:
        if takes_feedback and session.last is not None:
            return {**kwargs, FEEDBACK_PARAM: session.last.feedback}
        return kwargs

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> str:
            sink = _sink(collector)

            async def agenerate(n: int, session: CorrectionSession, cfg: RunnableConfig) -> str:
                return require_text(await acall_in_config(cfg, fn, *args, **call_kwargs(kwargs, session)))

            async def abody(config: RunnableConfig) -> str:
                return (await arun_attempts(policy, agenerate, config, sink))[0]

            return await _atraced(name, _outer_config(sink), (args, kwargs), abody)

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        sink = _sink(collector)

        def generate(n: int, session: CorrectionSession, cfg: RunnableConfig) -> str:
            return require_text(call_in_config(cfg, fn, *args, **call_kwargs(kwargs, session)))

        def body(config: RunnableConfig) -> str:
            return run_attempts(policy, generate, config, sink)[0]

        return _traced(name, _outer_config(sink), (args, kwargs), body)

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
    (written by ``feedback_renderer`` when given); send it to the model as
    ``feedback_message(semantix_feedback)``, the marked feedback turn that test models
    recognise and exporters leave out of the training prompt. When a retry passes, the (rejected,
    accepted) pair goes to ``collector`` (or the default collector). Model calls made
    inside the function inherit the run's callbacks and the session metadata, so a
    :class:`TrainingCollector` records the real prompt. Raises
    :class:`SemanticIntentError` when retries run out. Works on sync and async functions.

    Example:
        .. code-block:: python

            from langchain_semantix.feedback import feedback_message

            @validate_intent(retries=2, collector=collector)
            def decline(event: str, semantix_feedback: str | None = None) -> PoliteDecline:
                messages = [("human", f"Decline this invitation: {event}")]
                if semantix_feedback:
                    messages.append(feedback_message(semantix_feedback))
                return model.invoke(messages).text
    """
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
    check_sink(collector)
    explicit = func if isinstance(func, type) and issubclass(func, Intent) else None
    if isinstance(func, type) and explicit is None:
        raise TypeError(f"validate_intent takes an Intent subclass (or decorates a function), got the class {func.__name__}")

    def decorate(fn: F) -> F:
        if not callable(fn) or isinstance(fn, type):
            raise TypeError(f"validate_intent decorates a function (sync or async), got {fn!r:.80}")
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

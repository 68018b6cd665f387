"""``@validate_intent``: semantix-ai's decorator, on LangChain's callback system."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_type_hints, overload

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.runnables.config import ensure_config, merge_configs

from langchain_semantix._messages import message_text
from langchain_semantix.corrections import CorrectionSession, CorrectionSink
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge
from langchain_semantix.loop import arun_loop, run_loop

__all__ = ["validate_intent", "FEEDBACK_PARAM"]

F = TypeVar("F", bound=Callable[..., Any])
FEEDBACK_PARAM = "semantix_feedback"


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
) -> Callable[[F], F]: ...


def validate_intent(
    func: Any = None,
    *,
    judge: Judge | None = None,
    retries: int = 0,
    collector: CorrectionSink | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> Any:
    """Validate what a function returns against the Intent it is annotated with.

    On failure the function is called again (``retries`` more times). If it declares a
    ``semantix_feedback`` parameter, retries receive the Markdown feedback there. When
    a retry passes, the (rejected, accepted) pair goes to ``collector`` (or the default
    collector). Model calls made inside the function inherit the run's callbacks, so a
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
        takes_feedback = FEEDBACK_PARAM in inspect.signature(fn).parameters

        def call_kwargs(kwargs: dict[str, Any], session: CorrectionSession) -> dict[str, Any]:
            if takes_feedback and session.attempts:
                return {**kwargs, FEEDBACK_PARAM: session.attempts[-1].feedback}
            return kwargs

        def new_session(active: Judge) -> CorrectionSession:
            return CorrectionSession(
                [intent], judge_name=active.name, judge_model=active.model_id,
                source="validate_intent",
            )

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> str:
                from langchain_semantix.validation import default_judge

                active, sink = judge or default_judge(), _sink(collector)
                session = new_session(active)

                async def agenerate(n: int, s: CorrectionSession, cfg: RunnableConfig) -> str:
                    async def call(_: Any) -> Any:
                        return await fn(*args, **call_kwargs(kwargs, s))

                    raw = await RunnableLambda(call, name=fn.__name__).ainvoke(None, cfg)
                    return message_text(raw)

                async def body(_: Any, config: RunnableConfig) -> str:
                    text, _v = await arun_loop(
                        agenerate, session, judge=active, max_attempts=retries + 1,
                        thresholds=thresholds, config=config, sink=sink,
                    )
                    return text

                runner = RunnableLambda(body, name=f"validate_intent[{intent.__name__}]")
                return await runner.ainvoke(None, _outer_config(sink))

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> str:
            from langchain_semantix.validation import default_judge

            active, sink = judge or default_judge(), _sink(collector)
            session = new_session(active)

            def generate(n: int, s: CorrectionSession, cfg: RunnableConfig) -> str:
                def call(_: Any) -> Any:
                    return fn(*args, **call_kwargs(kwargs, s))

                return message_text(RunnableLambda(call, name=fn.__name__).invoke(None, cfg))

            def body(_: Any, config: RunnableConfig) -> str:
                text, _v = run_loop(
                    generate, session, judge=active, max_attempts=retries + 1,
                    thresholds=thresholds, config=config, sink=sink,
                )
                return text

            runner = RunnableLambda(body, name=f"validate_intent[{intent.__name__}]")
            return runner.invoke(None, _outer_config(sink))

        return wrapper  # type: ignore[return-value]

    if func is not None and explicit is None:
        return decorate(func)
    return decorate

"""The validate -> feedback -> retry subgraph for LangGraph graphs and agents."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, RemoveMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, RetryPolicy, interrupt

from langchain_semantix._messages import message_text
from langchain_semantix.corrections import Attempt, CorrectionSession
from langchain_semantix.errors import SemanticIntentError
from langchain_semantix.feedback import render_feedback
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge
from langchain_semantix.loop import check_max_attempts
from langchain_semantix.parser import _as_intent_list
from langchain_semantix.validation import ajudge_intents, default_judge, judge_intents

__all__ = ["create_retry_subgraph", "RetryState", "OnExhausted"]

OnExhausted = Literal["raise", "best", "interrupt", "fallback"]
_TRANSIENT_RETRY = RetryPolicy()  # LangGraph's default: retries transient errors, not ValueError/TypeError


class RetryState(MessagesState, total=False):
    """State of the retry subgraph. Input and output are compatible with ``MessagesState``.

    Attributes:
        attempts: Attempts made in this run.
        passed: Whether the final answer passed every intent.
        output: The final answer's text.
        verdicts: Verdicts of the latest attempt (dicts).
        history: Every attempt: output, score, reason, feedback, verdicts.
        reviewed: ``True`` when a person approved or edited the answer after an interrupt.
    """

    attempts: int
    passed: bool
    output: str | None
    verdicts: list[dict[str, Any]]
    history: list[dict[str, Any]]
    reviewed: bool
    session_id: str
    correction_ids: list[str]
    prompt_messages: list[dict[str, Any]]


def _last_ai(messages: Sequence[AnyMessage]) -> AIMessage:
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return message
    raise ValueError("the retry subgraph found no AI message to validate")


def create_retry_subgraph(
    model: Runnable[Any, Any],
    intent: type[Intent] | Sequence[type[Intent]],
    *,
    judge: Judge | None = None,
    max_attempts: int = 3,
    thresholds: Mapping[str, float] | None = None,
    on_exhausted: OnExhausted = "raise",
    fallback_message: str = "I'm sorry, I can't provide a suitable answer to that.",
    keep_history: bool = False,
    retry_policy: RetryPolicy | None = _TRANSIENT_RETRY,
    checkpointer: Checkpointer = None,
    name: str = "semantix_retry",
) -> CompiledStateGraph:
    """Build a compiled graph: generate -> validate -> (pass: end | fail: feedback -> generate).

    Args:
        model: A chat model, or any Runnable from messages to an AIMessage or text
            (e.g. ``prompt | model``).
        intent: One Intent or several; all must pass (judged in one batch per attempt).
        judge: Defaults to :class:`NLIJudge`.
        max_attempts: Generations before ``on_exhausted`` applies (>= 1).
        thresholds: Per-intent pass marks, e.g. from ``load_thresholds``.
        on_exhausted: ``"raise"`` a :class:`SemanticIntentError` listing every attempt;
            return the ``"best"``-scoring attempt; ``"interrupt"`` for human review
            (resume with ``Command(resume={"action": "approve"})`` or
            ``{"action": "edit", "content": "..."}``; needs a checkpointer); or answer
            with ``fallback_message``.
        keep_history: Keep every rejected draft and feedback message. By default only
            the latest correction is in the prompt, and none remain once it passes.
        retry_policy: LangGraph retry for *transient* model/judge errors only;
            validation failures are never retried by it.

    Every attempt is written to the custom stream (``stream_mode="custom"``) as
    ``{"type": "semantix_attempt", "intent", "attempt", "score", "threshold", "passed",
    "latency_ms"}``. A :class:`TrainingCollector` in the callbacks records healed outputs.

    Example:
        .. code-block:: python

            graph = create_retry_subgraph(model, PoliteDecline, max_attempts=3)
            result = graph.invoke({"messages": [("human", "Decline the gala invite")]})
            result["messages"][-1].content, result["attempts"], result["passed"]
    """
    intents = _as_intent_list(intent)
    max_attempts = check_max_attempts(max_attempts)
    if on_exhausted not in ("raise", "best", "interrupt", "fallback"):
        raise ValueError(f"on_exhausted must be raise, best, interrupt or fallback, got {on_exhausted!r}")
    if not isinstance(model, Runnable):
        raise TypeError(f"model must be a chat model or Runnable, got {type(model).__name__}")

    def active_judge() -> Judge:
        return judge or default_judge()

    def session_for(state: RetryState) -> CorrectionSession:
        j = active_judge()
        session = CorrectionSession(
            intents, judge_name=j.name, judge_model=j.model_id, source="retry_subgraph",
            id=state.get("session_id") or uuid.uuid4().hex,
        )
        session.attempts = [Attempt.from_summary(h) for h in state.get("history", [])]
        if state.get("prompt_messages") and session.attempts:
            session.sent_messages[session.attempts[-1].number] = state["prompt_messages"]
        return session

    # -- nodes ---------------------------------------------------------------------------

    def start(state: RetryState) -> dict[str, Any]:
        return {
            "attempts": 0, "passed": False, "output": None, "verdicts": [], "history": [],
            "reviewed": False, "session_id": uuid.uuid4().hex, "correction_ids": [],
        }

    def _generated(state: RetryState, response: Any, n: int) -> dict[str, Any]:
        text = message_text(response)
        message = response if isinstance(response, AIMessage) else AIMessage(text)
        if message.id is None:
            message = message.model_copy(update={"id": f"semantix-draft-{uuid.uuid4().hex}"})
        return {"messages": [message], "attempts": n}

    def _model_input(state: RetryState, config: RunnableConfig) -> tuple[int, Any, RunnableConfig]:
        n = state.get("attempts", 0) + 1
        cfg = session_for(state).model_config(config, n)
        return n, state["messages"], cfg

    def generate(state: RetryState, config: RunnableConfig) -> dict[str, Any]:
        n, messages, cfg = _model_input(state, config)
        return _generated(state, model.invoke(messages, cfg), n)

    async def agenerate(state: RetryState, config: RunnableConfig) -> dict[str, Any]:
        n, messages, cfg = _model_input(state, config)
        return _generated(state, await model.ainvoke(messages, cfg), n)

    def _judged(state: RetryState, verdicts: list[Any], started: float) -> tuple[CorrectionSession, Attempt, dict[str, Any]]:
        from langchain_semantix._messages import messages_to_dicts

        session = session_for(state)
        n = state["attempts"]
        draft = _last_ai(state["messages"])
        attempt = Attempt(n, message_text(draft), verdicts, latency_ms=(time.perf_counter() - started) * 1000)
        if not attempt.passed:
            attempt.feedback = render_feedback(attempt.output, verdicts, n)
        session.add(attempt)
        sent = messages_to_dicts([m for m in state["messages"] if m.id != draft.id])
        session.sent_messages[n] = sent
        update: dict[str, Any] = {
            "verdicts": [v.model_dump(exclude_none=True) for v in verdicts],
            "history": [*state.get("history", []), attempt.summary()],
            "prompt_messages": sent,
            "passed": attempt.passed,
        }
        if attempt.passed:
            update["output"] = attempt.output
            if not keep_history:
                update["messages"] = [RemoveMessage(id=i) for i in state.get("correction_ids", [])]
                update["correction_ids"] = []
        get_stream_writer()(session.attempt_event(attempt))
        return session, attempt, update

    def validate(state: RetryState, config: RunnableConfig) -> dict[str, Any]:
        started = time.perf_counter()
        text = message_text(_last_ai(state["messages"]))
        verdicts = judge_intents(active_judge(), [text], intents, thresholds)[0]
        session, attempt, update = _judged(state, verdicts, started)
        session.emit(session.attempt_event(attempt), config)
        if attempt.passed:
            session.emit(session.outcome(passed=True), config)
        return update

    async def avalidate(state: RetryState, config: RunnableConfig) -> dict[str, Any]:
        started = time.perf_counter()
        text = message_text(_last_ai(state["messages"]))
        verdicts = (await ajudge_intents(active_judge(), [text], intents, thresholds))[0]
        session, attempt, update = _judged(state, verdicts, started)
        await session.aemit(session.attempt_event(attempt), config)
        if attempt.passed:
            await session.aemit(session.outcome(passed=True), config)
        return update

    def feedback(state: RetryState) -> dict[str, Any]:
        last = state["history"][-1]
        draft = _last_ai(state["messages"])
        note = HumanMessage(last["feedback"], id=f"semantix-feedback-{uuid.uuid4().hex}")
        previous = state.get("correction_ids", [])
        if keep_history:
            return {"messages": [note], "correction_ids": [*previous, draft.id, note.id]}
        return {
            "messages": [RemoveMessage(id=i) for i in previous] + [note],
            "correction_ids": [draft.id, note.id],
        }

    def route(state: RetryState) -> str:
        if state.get("passed"):
            return END
        return "feedback" if state["attempts"] < max_attempts else "exhausted"

    def exhausted(state: RetryState, config: RunnableConfig) -> dict[str, Any]:
        session = session_for(state)
        history = state["history"]
        best = max(history, key=lambda h: -1.0 if h["score"] is None else h["score"])
        drafts = list(dict.fromkeys([*state.get("correction_ids", []), _last_ai(state["messages"]).id]))
        cleanup: list[Any] = [] if keep_history else [RemoveMessage(id=i) for i in drafts if i]
        if on_exhausted == "interrupt":
            answer = interrupt(
                {
                    "type": "semantix_review",
                    "intents": [i.__name__ for i in intents],
                    "attempts": [{k: h[k] for k in ("attempt", "output", "score", "reason")} for h in history],
                    "best": best["output"],
                    "feedback": history[-1]["feedback"],
                    "resume_with": {"action": "approve | edit", "content": "edited answer (for edit)"},
                }
            )
            content = _review_answer(answer, best["output"])
            reviewed = {"attempt": len(history) + 1, "output": content, "passed": True, "score": None,
                        "reason": "approved by a person", "feedback": None, "threshold": None,
                        "latency_ms": 0.0, "verdicts": []}
            payload = session.outcome(passed=True)
            payload["attempts"] = [*history, reviewed]
            payload["source"] = "human_review"
            session.emit(payload, config)
            return {"messages": [*cleanup, AIMessage(content)], "output": content, "passed": True, "reviewed": True, "correction_ids": []}
        session.emit(session.outcome(passed=False), config)
        if on_exhausted == "raise":
            last = session.attempts[-1]
            raise SemanticIntentError.from_verdicts(last.output, last.verdicts, last.feedback, attempts=history)
        content = best["output"] if on_exhausted == "best" else fallback_message
        return {"messages": [*cleanup, AIMessage(content)], "output": content, "passed": False, "correction_ids": []}

    builder = StateGraph(RetryState)
    builder.add_node("start", start)
    builder.add_node("generate", RunnableLambda(generate, afunc=agenerate, name="generate"), retry_policy=retry_policy)
    builder.add_node("validate", RunnableLambda(validate, afunc=avalidate, name="validate"), retry_policy=retry_policy)
    builder.add_node("feedback", feedback)
    builder.add_node("exhausted", exhausted)
    builder.add_edge(START, "start")
    builder.add_edge("start", "generate")
    builder.add_edge("generate", "validate")
    builder.add_conditional_edges("validate", route, ["feedback", "exhausted", END])
    builder.add_edge("feedback", "generate")
    builder.add_edge("exhausted", END)
    return builder.compile(checkpointer=checkpointer, name=name)


def _review_answer(answer: Any, best: str) -> str:
    if isinstance(answer, str):
        return answer
    if isinstance(answer, Mapping):
        action = answer.get("action", "approve")
        if action == "approve":
            return str(answer.get("content") or best)
        if action == "edit" and isinstance(answer.get("content"), str) and answer["content"].strip():
            return str(answer["content"])
    raise ValueError(
        "resume the review with {'action': 'approve'} or {'action': 'edit', 'content': '...'} "
        f"(or the edited answer as a str), got {answer!r}"
    )

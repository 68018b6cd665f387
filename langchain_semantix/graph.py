"""The validate -> feedback -> retry subgraph for LangGraph graphs and agents (nodes ``generate`` and ``exhausted``)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, RemoveMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph

try:  # the sync+async node LangGraph's own prebuilt agents (and create_agent) use: no extra run per call
    from langgraph._internal._runnable import RunnableCallable as _Node
except ImportError:  # pragma: no cover - older/newer langgraph layouts
    from langchain_core.runnables import RunnableLambda as _Node  # type: ignore[assignment]
from langgraph.types import Checkpointer, Command, RetryPolicy, interrupt
from typing_extensions import NotRequired, TypedDict

from langchain_semantix._messages import messages_to_dicts
from langchain_semantix.attempts import Attempt, AttemptPolicy, CorrectionSession, check_flag
from langchain_semantix.errors import require_text
from langchain_semantix.events import AttemptSummary, IntentInfo, Review, ReviewDecisionType
from langchain_semantix.feedback import FeedbackRenderer, feedback_message, is_feedback_message
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge

__all__ = [
    "create_retry_subgraph",
    "RetryState",
    "OnExhausted",
    "ReviewRequest",
    "ReviewedAttempt",
    "ApproveDecision",
    "EditDecision",
    "RejectDecision",
    "ReviewDecision",
]

OnExhausted = Literal["raise", "best", "interrupt", "fallback"]
_TRANSIENT_RETRY = RetryPolicy()  # LangGraph's default: retries transient errors, not ValueError/TypeError


class RetryState(MessagesState, total=False):
    """Output of the retry subgraph (its input is ``MessagesState``).

    Attributes:
        attempts: Attempts made in this run.
        passed: Whether the final answer passed every intent.
        output: The final answer's text.
        verdicts: Verdicts of the latest attempt (dicts).
        history: Every attempt: output, score, reason, feedback, verdicts.
        reviewed: ``True`` when a person decided the answer after an interrupt.
    """

    attempts: int
    passed: bool
    output: str | None
    verdicts: list[dict[str, Any]]
    history: list[AttemptSummary]
    reviewed: bool


class _RunState(RetryState, total=False):
    """The subgraph's private bookkeeping, never part of its input or output."""

    session_id: str
    correction_ids: list[str]


class ReviewedAttempt(TypedDict):
    attempt: int
    output: str
    score: float | None
    reason: str | None


class ReviewRequest(TypedDict):
    """The ``interrupt`` payload of ``on_exhausted="interrupt"``."""

    type: Literal["semantix_review"]
    intents: list[IntentInfo]
    #: The draft under review: the best-scoring attempt.
    draft: str
    #: Same as ``draft`` (the name earlier versions used).
    best: str
    attempts: list[ReviewedAttempt]
    feedback: str | None
    allowed_decisions: list[ReviewDecisionType]
    #: Why the previous answer to this review was refused (set only when asking again).
    error: NotRequired[str]


class ApproveDecision(TypedDict):
    """Accept the draft as the answer (a label for it, not a correction)."""

    type: Literal["approve"]


class EditDecision(TypedDict):
    """Answer with ``content`` instead: a correction of the draft."""

    type: Literal["edit"]
    content: str


class RejectDecision(TypedDict):
    """Refuse the draft; answer with ``message`` or the subgraph's ``fallback_message``."""

    type: Literal["reject"]
    message: NotRequired[str]


ReviewDecision = ApproveDecision | EditDecision | RejectDecision
_RESUME_HELP = (
    "resume the review with Command(resume=...) and {'type': 'approve'}, "
    "{'type': 'edit', 'content': '...'} or {'type': 'reject', 'message': '...'} "
    "(or the edited answer as a str)"
)


def _read_decision(answer: Any) -> tuple[ReviewDecisionType, str | None]:
    """(decision, text): the edit's content, the reject's message, or None."""
    if isinstance(answer, str) and answer.strip():
        return "edit", answer
    kind = answer.get("type", answer.get("action")) if isinstance(answer, Mapping) else None
    content = answer.get("content") if isinstance(answer, Mapping) else None
    if kind == "approve" and content is None:
        return "approve", None
    if kind in ("edit", "approve") and isinstance(content, str) and content.strip():
        return "edit", content  # the old {"action": "approve", "content": ...} meant an edit
    if kind == "reject" and isinstance(answer, Mapping) and isinstance(answer.get("message"), (str, type(None))):
        return "reject", answer.get("message") or None
    raise ValueError(f"{_RESUME_HELP}; got {answer!r}")


def _last_ai(messages: Sequence[AnyMessage]) -> AIMessage:
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return message
    raise ValueError("the retry subgraph found no AI message to validate")


def _best(history: Sequence[AttemptSummary]) -> AttemptSummary:
    return max(history, key=lambda h: -1.0 if h["score"] is None else h["score"])


class _Nodes:
    """The subgraph's nodes, sharing one :class:`AttemptPolicy` built with the graph."""

    def __init__(
        self, model: Runnable[Any, Any], policy: AttemptPolicy, *, on_exhausted: OnExhausted, fallback_message: str, keep_history: bool
    ) -> None:
        self.model, self.policy = model, policy
        self.on_exhausted, self.fallback_message, self.keep_history = on_exhausted, fallback_message, keep_history

    # -- one attempt: generate, judge, feedback -------------------------------------------

    def _open(self, state: _RunState) -> tuple[CorrectionSession, list[str]]:
        """The session this call belongs to, and the ids of the corrections in the prompt:
        a retry continues the run (the prompt ends with the feedback turn the previous
        attempt added); anything else starts a new one."""
        messages = state["messages"]
        if messages and is_feedback_message(messages[-1]) and state.get("session_id"):
            return self.policy.session(state["session_id"], state["history"]), state.get("correction_ids", [])
        return self.policy.session(), []

    @staticmethod
    def _draft(response: Any) -> AIMessage:
        message = response if isinstance(response, AIMessage) else AIMessage(require_text(response))
        require_text(message)
        if message.id is None:
            message = message.model_copy(update={"id": f"semantix-draft-{uuid.uuid4().hex}"})
        return message

    def _judged(
        self, state: _RunState, session: CorrectionSession, attempt: Attempt, draft: AIMessage, previous: list[str]
    ) -> dict[str, Any]:
        """The state update of one judged attempt: the draft, and the feedback turn that
        replaces the previous correction when another attempt follows."""
        get_stream_writer()(session.attempt_event(attempt))
        update: dict[str, Any] = {
            "attempts": attempt.number,
            "passed": attempt.passed,
            "verdicts": [v.model_dump(exclude_none=True) for v in attempt.verdicts],
            "history": session.attempts,
            "correction_ids": previous,
            "messages": [draft],
        }
        if attempt.number == 1:  # a new run: clear what an earlier run on this thread left
            update |= {"session_id": session.id, "output": None, "reviewed": False}
        if attempt.passed:
            update["output"] = attempt.output
        stale = [] if self.keep_history else [RemoveMessage(id=i) for i in previous]
        if attempt.passed:
            session.sent_messages[attempt.number] = messages_to_dicts(state["messages"])
            if not self.keep_history:
                update |= {"messages": [*stale, draft], "correction_ids": []}
        elif attempt.number < self.policy.max_attempts:
            note = feedback_message(attempt.feedback or "", id=f"semantix-feedback-{uuid.uuid4().hex}")
            assert draft.id is not None and note.id is not None
            kept = previous if self.keep_history else []
            update |= {"messages": [*stale, draft, note], "correction_ids": [*kept, draft.id, note.id]}
        return update

    def attempt(self, state: _RunState, config: RunnableConfig) -> Command[str]:
        session, previous = self._open(state)
        started = time.perf_counter()
        draft = self._draft(self.model.invoke(state["messages"], session.model_config(config, session.next_number)))
        attempt = self.policy.check(session, require_text(draft), config, started)
        update = self._judged(state, session, attempt, draft, previous)
        if attempt.passed:
            self.policy.finish(session, True, config)
        return Command(update=update, goto=self._next(attempt))

    async def aattempt(self, state: _RunState, config: RunnableConfig) -> Command[str]:
        session, previous = self._open(state)
        started = time.perf_counter()
        draft = self._draft(await self.model.ainvoke(state["messages"], session.model_config(config, session.next_number)))
        attempt = await self.policy.acheck(session, require_text(draft), config, started)
        update = self._judged(state, session, attempt, draft, previous)
        if attempt.passed:
            await self.policy.afinish(session, True, config)
        return Command(update=update, goto=self._next(attempt))

    def _next(self, attempt: Attempt) -> str:
        if attempt.passed:
            return END
        return "generate" if attempt.number < self.policy.max_attempts else "exhausted"

    # -- exhausted -----------------------------------------------------------------------

    def _settle(self, state: _RunState) -> tuple[CorrectionSession, dict[str, Any], dict[str, Any]]:
        """(session, state update, outcome to report) once the attempts are spent; with
        ``on_exhausted="interrupt"`` the person's decision settles it."""
        session = self.policy.session(state["session_id"], state["history"])
        drafts = dict.fromkeys([*state.get("correction_ids", []), _last_ai(state["messages"]).id])
        cleanup: list[Any] = [] if self.keep_history else [RemoveMessage(id=i) for i in drafts if i]
        if self.on_exhausted == "interrupt":
            content, outcome = self._review(state, session, drafts)
            update = {"output": content, "passed": outcome["passed"], "reviewed": True}
        else:
            content = _best(state["history"])["output"] if self.on_exhausted == "best" else self.fallback_message
            update, outcome = {"output": content, "passed": False}, {"passed": False}
        return session, {**update, "messages": [*cleanup, AIMessage(content)], "correction_ids": []}, outcome

    def exhausted(self, state: _RunState, config: RunnableConfig) -> dict[str, Any]:
        session, update, outcome = self._settle(state)
        self.policy.finish(session, config=config, **outcome)
        if self.on_exhausted == "raise":
            raise session.error()
        return update

    async def aexhausted(self, state: _RunState, config: RunnableConfig) -> dict[str, Any]:
        session, update, outcome = self._settle(state)
        await self.policy.afinish(session, config=config, **outcome)
        if self.on_exhausted == "raise":
            raise session.error()
        return update

    def _review(self, state: _RunState, session: CorrectionSession, drafts: Mapping[Any, None]) -> tuple[str, dict[str, Any]]:
        """Ask a person (``interrupt``); return the answer and the outcome to report."""
        history = state["history"]
        best = _best(history)
        request: ReviewRequest = {
            "type": "semantix_review",
            "intents": self.policy.intent_info,
            "draft": best["output"],
            "best": best["output"],
            "attempts": [{"attempt": h["attempt"], "output": h["output"], "score": h["score"], "reason": h["reason"]} for h in history],
            "feedback": history[-1]["feedback"],
            "allowed_decisions": ["approve", "edit", "reject"],
        }
        answer = interrupt(request)
        while True:
            try:
                decision, text = _read_decision(answer)
                break
            except ValueError as exc:  # ask again, saying why: a bad answer must not end the review
                answer = interrupt({**request, "error": str(exc)})
        if decision == "edit" and text is not None and text.strip() == best["output"].strip():
            decision, text = "approve", None  # an "edit" that changes nothing approves the draft: no pair
        review: Review = {
            "decision": decision,
            "draft": best["output"],
            "content": text if decision == "edit" else None,
            "intents": self.policy.intent_info,
        }
        if decision == "approve":
            return best["output"], {"passed": True, "review": review}
        if decision == "reject":
            return text or self.fallback_message, {"passed": False, "review": review}
        assert text is not None
        edit = len(history) + 1
        # The reviewed draft is listed just before the edit, so it is the pair's rejected side.
        session.attempts = [*(h for h in history if h is not best), best, _human_attempt(edit, text)]
        prompt = [m for m in state["messages"] if m.id not in drafts]
        session.sent_messages[edit] = messages_to_dicts(prompt)
        return text, {"passed": True, "accepted": edit, "review": review, "source": "human_review"}


def _human_attempt(number: int, text: str) -> AttemptSummary:
    return {
        "attempt": number,
        "output": text,
        "passed": True,
        "score": None,
        "reason": "edited by a person",
        "feedback": None,
        "threshold": None,
        "latency_ms": 0.0,
        "verdicts": [],
    }


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
    feedback_renderer: FeedbackRenderer | None = None,
) -> CompiledStateGraph:
    """Build a compiled graph of two nodes: ``generate`` (pass: end | fail: ``generate``
    again) and, once ``max_attempts`` are spent, ``exhausted``.

    Each attempt is one LangGraph step, the ``generate`` node: it calls the model,
    judges the draft and, on failure, adds the feedback turn; then the graph ends, runs
    ``generate`` again, or runs ``exhausted`` (which applies ``on_exhausted``). There is
    no separate ``validate`` node (earlier versions had one): use
    ``interrupt_before=["generate"]`` to pause before each attempt, and expect one
    ``{"generate": ...}`` entry per attempt from ``stream_mode="updates"``.

    Args:
        model: A chat model, or any Runnable from messages to an AIMessage or text
            (e.g. ``prompt | model``).
        intent: One Intent or several; all must pass (judged in one batch per attempt).
        judge: Defaults to :class:`NLIJudge`.
        max_attempts: Generations before ``on_exhausted`` applies (>= 1).
        thresholds: Per-intent pass marks, e.g. from ``load_thresholds``.
        on_exhausted: ``"raise"`` a :class:`SemanticIntentError` listing every attempt;
            return the ``"best"``-scoring attempt; ``"interrupt"`` for human review; or
            answer with ``fallback_message``.
        keep_history: Keep every rejected draft and feedback message. By default only
            the latest correction is in the prompt, and none remain once it passes.
        retry_policy: LangGraph retry for *transient* model/judge errors only (it runs
            the attempt again, model call included); validation failures are never
            retried by it.
        feedback_renderer: ``renderer(output, verdicts, attempt) -> str`` for the
            feedback turn; defaults to :func:`~langchain_semantix.feedback.render_feedback`.

    The input is ``MessagesState``; the output adds ``passed``, ``attempts``,
    ``output``, ``verdicts``, ``history`` and ``reviewed`` (:class:`RetryState`).

    Human review (``on_exhausted="interrupt"``, needs a checkpointer): the interrupt's
    value is a :class:`ReviewRequest`; resume with ``Command(resume=...)`` and
    ``{"type": "approve"}`` (the draft is the answer), ``{"type": "edit", "content":
    "..."}`` (the edit is the answer, recorded as a correction) or ``{"type": "reject",
    "message": "..."}`` (the message, or ``fallback_message``, is the answer, with
    ``passed=False``). The decision reaches collectors in the outcome's ``review``
    entry (see :mod:`langchain_semantix.events`). An answer that is none of these is
    asked again: the run stops with the same request plus ``error`` saying why, and the
    next ``Command(resume=...)`` answers it.

    Every attempt is written to the custom stream (``stream_mode="custom"``) as
    ``{"type": "semantix_attempt", "intent", "attempt", "score", "threshold", "passed",
    "latency_ms"}``. A :class:`TrainingCollector` in the callbacks records healed outputs.

    Example:
        .. code-block:: python

            graph = create_retry_subgraph(model, PoliteDecline, max_attempts=3)
            result = graph.invoke({"messages": [("human", "Decline the gala invite")]})
            result["messages"][-1].content, result["attempts"], result["passed"]
    """
    policy = AttemptPolicy(
        intent, judge=judge, thresholds=thresholds, max_attempts=max_attempts, feedback_renderer=feedback_renderer, source="retry_subgraph"
    )
    if on_exhausted not in ("raise", "best", "interrupt", "fallback"):
        raise ValueError(f"on_exhausted must be raise, best, interrupt or fallback, got {on_exhausted!r}")
    if not isinstance(model, Runnable):
        raise TypeError(f"model must be a chat model or Runnable, got {type(model).__name__}")
    if not isinstance(fallback_message, str) or not fallback_message.strip():
        raise TypeError(f"fallback_message must be the text to answer with when attempts run out, got {fallback_message!r:.60}")
    keep_history = check_flag(keep_history, what="keep_history")
    nodes = _Nodes(model, policy, on_exhausted=on_exhausted, fallback_message=fallback_message, keep_history=keep_history)

    builder = StateGraph(_RunState, input_schema=MessagesState, output_schema=RetryState)
    # One node per attempt (model call, judge, feedback turn): a LangGraph step costs far
    # more than the bookkeeping it would separate.
    builder.add_node(
        "generate",
        _Node(nodes.attempt, nodes.aattempt, name="generate"),
        retry_policy=retry_policy,
        destinations=("generate", "exhausted", END),
    )
    builder.add_node("exhausted", _Node(nodes.exhausted, nodes.aexhausted, name="exhausted"))
    builder.add_edge(START, "generate")
    builder.add_edge("exhausted", END)
    return builder.compile(checkpointer=checkpointer, name=name)

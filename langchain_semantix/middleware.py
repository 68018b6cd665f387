"""IntentMiddleware: validate an agent's final answer and ask the model again with feedback."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any, Literal, cast

from langchain.agents.middleware import AgentMiddleware, AgentState, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ExtendedModelResponse, PrivateStateAttr
from langchain_core.messages import AIMessage, BaseMessage, RemoveMessage, ToolMessage
from langchain_core.runnables.config import ensure_config
from langgraph.runtime import Runtime
from langgraph.types import Command
from typing_extensions import NotRequired, TypedDict

from langchain_semantix.attempts import Attempt, AttemptPolicy, CorrectionSession, acall_in_config, call_in_config, check_flag
from langchain_semantix.errors import require_text
from langchain_semantix.events import AttemptSummary
from langchain_semantix.feedback import FeedbackRenderer
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge

__all__ = ["IntentMiddleware", "IntentAgentState"]

SESSION_STATE_KEY = "semantix_session"

Response = ModelResponse | ExtendedModelResponse


class PendingSession(TypedDict):
    """A correction session waiting for the model's answer after a tool call."""

    id: str
    attempts: list[AttemptSummary]
    #: The correction turns (rejected draft, feedback) left in the conversation meanwhile.
    message_ids: list[str]


class IntentAgentState(AgentState):
    """The agent state with the middleware's private session (never in input or output)."""

    semantix_session: NotRequired[Annotated[PendingSession | None, PrivateStateAttr]]


def _pending(state: Mapping[str, Any]) -> PendingSession | None:
    return cast("PendingSession | None", state.get(SESSION_STATE_KEY))


def _final_answer(response: ModelResponse) -> str | None:
    """The text of a final answer (an AI message without tool calls), else ``None``."""
    last = response.result[-1] if response.result else None
    if not isinstance(last, AIMessage) or last.tool_calls:
        return None
    return require_text(last)


def _respond(response: ModelResponse, before: Sequence[BaseMessage], session: PendingSession | None, resumed: bool) -> Response:
    """``response`` with ``before`` added ahead of its messages, and the private session
    stored (``session``) or cleared (when a ``resumed`` one is done)."""
    if before:
        response = dataclasses.replace(response, result=[*before, *response.result])
    if session is None and not resumed:
        return response
    return ExtendedModelResponse(model_response=response, command=Command(update={SESSION_STATE_KEY: session}))


class _Turn:
    """One model step of the agent: its session (new, or resumed after a tool call) and
    the responses the middleware hands back."""

    def __init__(self, middleware: IntentMiddleware, request: ModelRequest) -> None:
        self.middleware, self.request = middleware, request
        pending = _pending(request.state)
        messages = request.messages
        # Only the model's answer to its tool results continues a session; anything else
        # (a new run after one that failed midway) starts afresh.
        if pending and messages and isinstance(messages[-1], ToolMessage):
            self.session = middleware.policy.session(pending["id"], pending["attempts"])
            self.in_conversation, self.message_ids = len(pending["attempts"]), list(pending["message_ids"])
            self.resumed = True
        else:
            self.session, self.in_conversation, self.message_ids = middleware.policy.session(), 0, []
            self.resumed = False

    def prompt(self, n: int) -> ModelRequest:
        """The request of attempt ``n``: the conversation plus this turn's latest correction."""
        corrections = self.session.corrections(keep_history=self.middleware.keep_history, since=self.in_conversation)
        request = self.request.override(messages=[*self.request.messages, *corrections]) if corrections else self.request
        system: list[BaseMessage] = [request.system_message] if request.system_message else []
        self.session.note_sent(n, [*system, *request.messages])
        return request

    def suspend(self, response: ModelResponse) -> Response:
        """The model called a tool: keep the correction it answered in the conversation,
        and the session in the private state, for the answer after the tool."""
        if len(self.session.attempts) == self.in_conversation:
            return response  # nothing new to correct (a first call, or another tool in a row)
        corrections = self.session.corrections(keep_history=self.middleware.keep_history, since=self.in_conversation)
        marked = [m.model_copy(update={"id": f"semantix-correction-{uuid.uuid4().hex}"}) for m in corrections]
        pending: PendingSession = {
            "id": self.session.id,
            "attempts": self.session.attempts,
            "message_ids": [*self.message_ids, *(str(m.id) for m in marked)],
        }
        return _respond(response, marked, pending, self.resumed)

    def settle(self, response: ModelResponse, attempt: Attempt) -> Response:
        """The response the agent keeps once the session is finished, or the exhaustion error."""
        if not attempt.passed and self.middleware.on_exhausted == "raise":
            raise self.session.error()
        if self.middleware.keep_history:
            history = self.session.corrections(keep_history=True, since=self.in_conversation)
            before: list[BaseMessage] = [*(history if attempt.passed else history[:-2])]
        else:
            before = [RemoveMessage(id=i) for i in self.message_ids]
        return _respond(response, before, None, self.resumed)


class IntentMiddleware(AgentMiddleware[IntentAgentState, Any]):
    """For ``langchain.agents.create_agent``: judge the model's final answer (an AI
    message without tool calls) and, on failure, call the model again with the rejected
    draft and the feedback appended — inside the same model step, as
    ``ModelRetryMiddleware`` retries. Tool-calling turns are not judged.

    A retry that calls a tool instead of answering keeps its correction (rejected draft
    and feedback) in the conversation while the tool runs, and its session in private
    agent state: the answer after the tool is the session's next attempt, judged,
    recorded and counted towards ``max_attempts``. A run that ends before that answer
    closes the session as not healed.

    Each model call carries the session metadata, so a :class:`TrainingCollector` in the
    callbacks records the prompt the model really received (system prompt included),
    the model name and the run id. Unless ``keep_history=True``, neither the rejected
    drafts nor the feedback stay in the agent's conversation once the session ends.

    Args:
        intent: One Intent or several (all must pass).
        judge: Defaults to :class:`NLIJudge`.
        max_attempts: Model calls per final answer before ``on_exhausted`` applies.
        thresholds: Per-intent pass marks.
        on_exhausted: ``"raise"`` a :class:`SemanticIntentError`, or ``"accept"`` the last answer.
        keep_history: Add the rejected drafts and feedback turns to the conversation too.
        feedback_renderer: ``renderer(output, verdicts, attempt) -> str``.

    Example:
        .. code-block:: python

            from langchain.agents import create_agent
            agent = create_agent(model, tools, middleware=[IntentMiddleware(PoliteDecline)])
            agent.invoke({"messages": [("human", "Decline the gala")]},
                         config={"callbacks": [collector]})
    """

    state_schema = IntentAgentState

    def __init__(
        self,
        intent: type[Intent] | Sequence[type[Intent]],
        *,
        judge: Judge | None = None,
        max_attempts: int = 3,
        thresholds: Mapping[str, float] | None = None,
        on_exhausted: Literal["raise", "accept"] = "raise",
        keep_history: bool = False,
        feedback_renderer: FeedbackRenderer | None = None,
    ) -> None:
        super().__init__()
        if on_exhausted not in ("raise", "accept"):
            raise ValueError(f"on_exhausted must be 'raise' or 'accept', got {on_exhausted!r}")
        self.policy = AttemptPolicy(
            intent,
            judge=judge,
            thresholds=thresholds,
            max_attempts=max_attempts,
            feedback_renderer=feedback_renderer,
            source="agent_middleware",
        )
        self.intents = self.policy.intents
        self.on_exhausted = on_exhausted
        self.keep_history = check_flag(keep_history, what="keep_history")
        self.tools = []

    @property
    def name(self) -> str:
        return "IntentMiddleware"

    def _done(self, attempt: Attempt) -> bool:
        return attempt.passed or attempt.number >= self.policy.max_attempts

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]) -> Response:
        config, turn = ensure_config(), _Turn(self, request)
        while True:
            n, started = turn.session.next_number, time.perf_counter()
            response = call_in_config(turn.session.model_config(config, n), handler, turn.prompt(n))
            text = _final_answer(response)
            if text is None:  # a tool-calling turn: not an answer to judge
                return turn.suspend(response)
            attempt = self.policy.check(turn.session, text, config, started)
            if self._done(attempt):
                self.policy.finish(turn.session, attempt.passed, config)
                return turn.settle(response, attempt)

    async def awrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[ModelResponse]]) -> Response:
        config, turn = ensure_config(), _Turn(self, request)
        while True:
            n, started = turn.session.next_number, time.perf_counter()
            response = await acall_in_config(turn.session.model_config(config, n), handler, turn.prompt(n))
            text = _final_answer(response)
            if text is None:
                return turn.suspend(response)
            attempt = await self.policy.acheck(turn.session, text, config, started)
            if self._done(attempt):
                await self.policy.afinish(turn.session, attempt.passed, config)
                return turn.settle(response, attempt)

    def _closing(self, state: IntentAgentState) -> tuple[CorrectionSession, dict[str, Any]] | None:
        """A session the run left waiting for an answer (it ended on a tool), and the
        state update that clears it."""
        pending = _pending(state)
        if not pending:
            return None
        removed = [] if self.keep_history else [RemoveMessage(id=i) for i in pending["message_ids"]]
        return self.policy.session(pending["id"], pending["attempts"]), {"messages": removed, SESSION_STATE_KEY: None}

    def after_agent(self, state: IntentAgentState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        closing = self._closing(state)
        if closing is None:
            return None
        self.policy.finish(closing[0], False, ensure_config())
        return closing[1]

    async def aafter_agent(self, state: IntentAgentState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        closing = self._closing(state)
        if closing is None:
            return None
        await self.policy.afinish(closing[0], False, ensure_config())
        return closing[1]

"""IntentMiddleware: validate an agent's final answer and send it back with feedback."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from langchain.agents.middleware import AgentMiddleware, AgentState, hook_config
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.config import get_config
from langgraph.runtime import Runtime
from typing_extensions import NotRequired

from langchain_semantix._messages import message_text, messages_to_dicts
from langchain_semantix.corrections import Attempt, CorrectionSession
from langchain_semantix.errors import SemanticIntentError
from langchain_semantix.feedback import render_feedback
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge
from langchain_semantix.loop import check_max_attempts
from langchain_semantix.parser import _as_intent_list
from langchain_semantix.validation import ajudge_intents, default_judge, judge_intents

__all__ = ["IntentMiddleware", "IntentAgentState"]


class IntentAgentState(AgentState):
    """Agent state plus the middleware's attempt bookkeeping."""

    semantix_session: NotRequired[str]
    semantix_history: NotRequired[list[dict[str, Any]]]


class IntentMiddleware(AgentMiddleware[IntentAgentState]):
    """For ``langchain.agents.create_agent``: after the model gives a final answer (an AI
    message without tool calls), judge it; on failure, jump back to the model with the
    feedback as a new human message. Tool-calling turns are left alone.

    Args:
        intent: One Intent or several (all must pass).
        max_attempts: Final answers judged before ``on_exhausted`` applies.
        on_exhausted: ``"raise"`` a :class:`SemanticIntentError`, or ``"accept"`` the last answer.

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
    ) -> None:
        super().__init__()
        self.intents = _as_intent_list(intent)
        self.judge = judge
        self.max_attempts = check_max_attempts(max_attempts)
        self.thresholds = thresholds
        if on_exhausted not in ("raise", "accept"):
            raise ValueError(f"on_exhausted must be 'raise' or 'accept', got {on_exhausted!r}")
        self.on_exhausted = on_exhausted

    @property
    def name(self) -> str:
        return "IntentMiddleware"

    def _final_answer(self, state: IntentAgentState) -> tuple[AIMessage, str] | None:
        messages = state["messages"]
        if not messages or not isinstance(messages[-1], AIMessage) or messages[-1].tool_calls:
            return None
        return messages[-1], message_text(messages[-1])

    def _session(self, state: IntentAgentState) -> CorrectionSession:
        judge = self.judge or default_judge()
        session = CorrectionSession(
            self.intents, judge_name=judge.name, judge_model=judge.model_id,
            source="agent_middleware", id=state.get("semantix_session") or uuid.uuid4().hex,
        )
        session.attempts = [Attempt.from_summary(h) for h in state.get("semantix_history", [])]
        return session

    def _decide(self, state: IntentAgentState, text: str, verdicts: list[Any]) -> tuple[CorrectionSession, dict[str, Any] | None, list[dict[str, Any]]]:
        session = self._session(state)
        n = len(session.attempts) + 1
        attempt = Attempt(n, text, verdicts)
        if not attempt.passed:
            attempt.feedback = render_feedback(text, verdicts, n)
        session.add(attempt)
        session.sent_messages[n] = messages_to_dicts(state["messages"][:-1])
        events = [session.attempt_event(attempt)]
        if attempt.passed or n >= self.max_attempts:
            events.append(session.outcome(passed=attempt.passed))
            if not attempt.passed and self.on_exhausted == "raise":
                return session, None, events
            return session, {"semantix_history": [], "semantix_session": uuid.uuid4().hex}, events
        return session, {
            "messages": [HumanMessage(attempt.feedback or "")],
            "jump_to": "model",
            "semantix_history": [a.summary() for a in session.attempts],
            "semantix_session": session.id,
        }, events

    @staticmethod
    def _raise(session: CorrectionSession) -> SemanticIntentError:
        last = session.attempts[-1]
        return SemanticIntentError.from_verdicts(
            last.output, last.verdicts, last.feedback, attempts=[a.summary() for a in session.attempts]
        )

    @hook_config(can_jump_to=["model"])
    def after_model(self, state: IntentAgentState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        final = self._final_answer(state)
        if final is None:
            return None
        verdicts = judge_intents(self.judge or default_judge(), [final[1]], self.intents, self.thresholds)[0]
        session, update, events = self._decide(state, final[1], verdicts)
        config = get_config()
        for event in events:
            session.emit(event, config)
        if update is None:
            raise self._raise(session)
        return update

    @hook_config(can_jump_to=["model"])
    async def aafter_model(self, state: IntentAgentState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        final = self._final_answer(state)
        if final is None:
            return None
        verdicts = (await ajudge_intents(self.judge or default_judge(), [final[1]], self.intents, self.thresholds))[0]
        session, update, events = self._decide(state, final[1], verdicts)
        config = get_config()
        for event in events:
            await session.aemit(event, config)
        if update is None:
            raise self._raise(session)
        return update

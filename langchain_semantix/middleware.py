"""IntentMiddleware: validate an agent's final answer and ask the model again with feedback."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Literal

from langchain.agents.middleware import AgentMiddleware, AgentState, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ExtendedModelResponse
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables.config import ensure_config

from langchain_semantix.attempts import AttemptPolicy, CorrectionSession, acall_in_config, call_in_config
from langchain_semantix.errors import require_text
from langchain_semantix.feedback import FeedbackRenderer
from langchain_semantix.intents import Intent
from langchain_semantix.judges.base import Judge

__all__ = ["IntentMiddleware", "IntentAgentState"]

#: Kept for compatibility: the middleware keeps no state of its own any more.
IntentAgentState = AgentState

Response = ModelResponse | AIMessage | ExtendedModelResponse


def _messages_of(response: Response) -> list[BaseMessage]:
    if isinstance(response, AIMessage):
        return [response]
    if isinstance(response, ExtendedModelResponse):
        return response.model_response.result
    return response.result


def _final_answer(response: Response) -> str | None:
    """The text of a final answer (an AI message without tool calls), else ``None``."""
    messages = _messages_of(response)
    last = messages[-1] if messages else None
    if not isinstance(last, AIMessage) or last.tool_calls:
        return None
    return require_text(last)


def _prepend(response: Response, messages: Sequence[BaseMessage]) -> Response:
    if not messages:
        return response
    if isinstance(response, AIMessage):
        return ModelResponse(result=[*messages, response])
    if isinstance(response, ExtendedModelResponse):
        inner = dataclasses.replace(response.model_response, result=[*messages, *response.model_response.result])
        return dataclasses.replace(response, model_response=inner)
    return dataclasses.replace(response, result=[*messages, *response.result])


class IntentMiddleware(AgentMiddleware):
    """For ``langchain.agents.create_agent``: judge the model's final answer (an AI
    message without tool calls) and, on failure, call the model again with the rejected
    draft and the feedback appended — inside the same model step, as
    ``ModelRetryMiddleware`` retries. Tool-calling turns are returned untouched.

    Each model call carries the session metadata, so a :class:`TrainingCollector` in the
    callbacks records the prompt the model really received (system prompt included),
    the model name and the run id. Unless ``keep_history=True``, neither the rejected
    drafts nor the feedback stay in the agent's conversation.

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
        self.keep_history = keep_history
        self.tools = []

    @property
    def name(self) -> str:
        return "IntentMiddleware"

    def _request(self, request: ModelRequest, session: CorrectionSession, n: int) -> ModelRequest:
        if n > 1:
            request = request.override(messages=[*request.messages, *session.corrections(keep_history=self.keep_history)])
        system: list[BaseMessage] = [request.system_message] if request.system_message else []
        session.note_sent(n, [*system, *request.messages])
        return request

    def _settle(self, session: CorrectionSession, response: Response, passed: bool) -> Response:
        """The response the agent keeps (after ``finish``), or the exhaustion error."""
        if not passed and self.on_exhausted == "raise":
            raise session.error()
        history = session.corrections(keep_history=True)[: -2 if not passed else None] if self.keep_history else []
        return _prepend(response, history)

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]) -> Response:
        config, session = ensure_config(), self.policy.session()
        response: Response | None = None
        for n in range(1, self.policy.max_attempts + 1):
            started = time.perf_counter()
            response = call_in_config(session.model_config(config, n), handler, self._request(request, session, n))
            text = _final_answer(response)
            if text is None:  # a tool-calling turn: not an answer to judge
                return _prepend(response, session.corrections(keep_history=True)) if session.attempts else response
            if self.policy.check(session, text, config, started).passed:
                self.policy.finish(session, True, config)
                return self._settle(session, response, True)
        self.policy.finish(session, False, config)
        assert response is not None
        return self._settle(session, response, False)

    async def awrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[ModelResponse]]) -> Response:
        config, session = ensure_config(), self.policy.session()
        response: Response | None = None
        for n in range(1, self.policy.max_attempts + 1):
            started = time.perf_counter()
            response = await acall_in_config(session.model_config(config, n), handler, self._request(request, session, n))
            text = _final_answer(response)
            if text is None:
                return _prepend(response, session.corrections(keep_history=True)) if session.attempts else response
            if (await self.policy.acheck(session, text, config, started)).passed:
                await self.policy.afinish(session, True, config)
                return self._settle(session, response, True)
        await self.policy.afinish(session, False, config)
        assert response is not None
        return self._settle(session, response, False)

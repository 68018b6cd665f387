"""Public event names and the typed payloads that collectors consume.

Every driver (the parser's retry runnable, ``@validate_intent``, the retry subgraph,
``IntentMiddleware``) reports through the same two LangChain custom events:

- :data:`ATTEMPT_EVENT` with an :class:`AttemptEvent` after every judged attempt (the
  subgraph also writes it to ``stream_mode="custom"``);
- :data:`OUTCOME_EVENT` with an :class:`OutcomeEvent` once per session.

Model calls made for an attempt carry ``metadata[SESSION_KEY]`` and
``metadata[ATTEMPT_KEY]``, so a callback handler (``TrainingCollector``) sees the real
prompt in ``on_chat_model_start`` and joins it to the outcome by session id.

Reading an outcome
------------------
A correction pair exists exactly when ``passed`` is true, ``accepted_attempt`` names an
attempt, and some attempt before it failed: the rejected text is the failed attempt
listed just before the accepted one, the accepted text the accepted attempt's output.

Human review (the retry subgraph's ``on_exhausted="interrupt"``) adds a ``review``
entry (:class:`Review`)::

    {"decision": "approve" | "edit" | "reject",
     "draft": "<the draft shown to the reviewer: the best attempt>",
     "content": "<the edited text>" | None,
     "intents": [{"name", "description", "threshold"}, ...]}

- ``approve``: the draft is the answer; ``passed`` is true but ``accepted_attempt`` is
  ``None`` — a person's label for the draft, not a correction pair;
- ``edit``: the edit is the answer and a correction — it is listed as the last attempt
  and is the ``accepted_attempt``, the reviewed draft just before it, ``source`` is
  ``"human_review"``;
- ``reject``: the fallback (or the reviewer's message) is the answer; ``passed`` is
  false, no pair.

Example:
    .. code-block:: python

        from langchain_core.callbacks import BaseCallbackHandler
        from langchain_semantix.events import OUTCOME_EVENT

        class Reviews(BaseCallbackHandler):
            def on_custom_event(self, name, data, **kwargs):
                if name == OUTCOME_EVENT and "review" in data:
                    print(data["review"]["decision"], data["review"]["draft"])
"""

from __future__ import annotations

from typing import Any, Final, Literal, Protocol, runtime_checkable

from typing_extensions import NotRequired, TypedDict

__all__ = [
    "ATTEMPT_EVENT",
    "OUTCOME_EVENT",
    "SESSION_KEY",
    "ATTEMPT_KEY",
    "IntentInfo",
    "AttemptSummary",
    "AttemptEvent",
    "OutcomeEvent",
    "Review",
    "ReviewDecisionType",
    "CorrectionSink",
]

ATTEMPT_EVENT: Final = "semantix_attempt"
OUTCOME_EVENT: Final = "semantix_outcome"
#: Run-metadata key holding the session id on every model call made for an attempt.
SESSION_KEY = "semantix_session"
#: Run-metadata key holding the attempt number (1-based) on those model calls.
ATTEMPT_KEY = "semantix_attempt"

ReviewDecisionType = Literal["approve", "edit", "reject"]


class IntentInfo(TypedDict):
    """An intent as collectors see it."""

    name: str
    description: str
    threshold: float | None


class AttemptSummary(TypedDict):
    """One judged attempt (JSON-ready); also a correction record's ``rejected_attempts`` item."""

    attempt: int
    output: str
    passed: bool
    score: float | None
    reason: str | None
    feedback: str | None
    threshold: float | None
    latency_ms: float
    verdicts: list[dict[str, Any]]


class AttemptEvent(TypedDict):
    """Payload of :data:`ATTEMPT_EVENT`."""

    type: Literal["semantix_attempt"]
    session_id: str
    intent: str
    attempt: int
    passed: bool
    score: float | None
    threshold: float | None
    latency_ms: float


class Review(TypedDict):
    """What a person decided in the subgraph's human review."""

    decision: ReviewDecisionType
    draft: str
    content: str | None
    intents: list[IntentInfo]


class OutcomeEvent(TypedDict):
    """Payload of :data:`OUTCOME_EVENT`: a finished session."""

    type: Literal["semantix_outcome"]
    session_id: str
    #: Which driver ran the session: intent_retry, validate_intent, retry_subgraph,
    #: agent_middleware, human_review for a reviewer's edit, or custom (an AttemptPolicy driven directly).
    source: str
    passed: bool
    intents: list[IntentInfo]
    judge: str | None
    judge_model: str | None
    attempts: list[AttemptSummary]
    #: The attempt whose output is the answer, when a correction pair can be made of it.
    accepted_attempt: int | None
    #: The prompt the driver itself sent for the accepted attempt (a fallback for
    #: handlers that did not see the model call).
    sent_messages: list[dict[str, Any]] | None
    review: NotRequired[Review]


@runtime_checkable
class CorrectionSink(Protocol):
    """Anything that takes finished sessions (a ``TrainingCollector``, for one)."""

    def handle_outcome(self, outcome: OutcomeEvent) -> Any: ...

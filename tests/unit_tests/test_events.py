"""events.py: the two custom events every driver sends, their typed payloads, and the sink protocol."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

from langchain_semantix import TrainingCollector, with_intent_retry
from langchain_semantix.events import (
    ATTEMPT_EVENT,
    ATTEMPT_KEY,
    OUTCOME_EVENT,
    SESSION_KEY,
    AttemptEvent,
    AttemptSummary,
    CorrectionSink,
    OutcomeEvent,
)
from tests.conftest import Polite


class Events(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.model_metadata: list[dict[str, Any]] = []

    def on_custom_event(self, name, data, **kwargs):
        self.events.append((name, data))

    def on_chat_model_start(self, serialized, messages, *, metadata=None, **kwargs):
        self.model_metadata.append(dict(metadata or {}))


class Sink:
    def __init__(self) -> None:
        self.outcomes: list[OutcomeEvent] = []

    def handle_outcome(self, outcome: OutcomeEvent) -> None:
        self.outcomes.append(outcome)


def test_a_healed_run_sends_one_attempt_event_per_attempt_then_one_outcome(healing_model, judge):
    seen = Events()
    with_intent_retry(healing_model, Polite, judge=judge).invoke("the gala", config={"callbacks": [seen]})
    names = [name for name, _ in seen.events]
    assert names == [ATTEMPT_EVENT, ATTEMPT_EVENT, OUTCOME_EVENT]
    first, second, outcome = (data for _, data in seen.events)
    assert set(first) == set(AttemptEvent.__annotations__) and first["type"] == ATTEMPT_EVENT
    assert (first["attempt"], first["passed"], second["attempt"], second["passed"]) == (1, False, 2, True)
    assert set(outcome) == set(OutcomeEvent.__annotations__) - {"review"}
    assert all(set(a) == set(AttemptSummary.__annotations__) for a in outcome["attempts"])
    assert outcome["session_id"] == first["session_id"] == second["session_id"] and outcome["source"] == "intent_retry"


def test_model_calls_carry_the_session_and_attempt_in_their_metadata(healing_model, judge):
    seen = Events()
    with_intent_retry(healing_model, Polite, judge=judge).invoke("the gala", config={"callbacks": [seen]})
    session = seen.events[-1][1]["session_id"]
    assert [(m[SESSION_KEY], m[ATTEMPT_KEY]) for m in seen.model_metadata] == [(session, 1), (session, 2)]


def test_the_outcome_names_the_accepted_attempt_after_a_failed_one(healing_model, judge):
    sink = Sink()
    with_intent_retry(healing_model, Polite, judge=judge, collector=sink).invoke("the gala")
    (outcome,) = sink.outcomes
    accepted = outcome["accepted_attempt"]
    assert outcome["passed"] and accepted == 2
    before = [a for a in outcome["attempts"] if a["attempt"] < accepted]
    assert before and not before[-1]["passed"] and before[-1]["feedback"]  # a correction pair
    assert outcome["intents"] == [{"name": "Polite", "description": Polite.description(), "threshold": Polite.threshold}]


def test_a_correction_sink_is_anything_with_handle_outcome(tmp_path):
    assert isinstance(Sink(), CorrectionSink)
    assert isinstance(TrainingCollector(tmp_path / "c.jsonl"), CorrectionSink)
    assert not isinstance(object(), CorrectionSink)

"""Human review in the retry subgraph: typed request, typed decisions, what collectors receive."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from langchain_semantix import TrainingCollector, create_retry_subgraph
from langchain_semantix.events import OUTCOME_EVENT
from langchain_semantix.testing import ScriptedChatModel
from tests.conftest import Polite

START = {"messages": [("human", "Decline the gala")]}


class Outcomes(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        if name == OUTCOME_EVENT:
            self.seen.append(data)


def _paused(tmp_path, judge, **options: Any) -> tuple[Any, dict[str, Any], TrainingCollector, Outcomes, dict[str, Any]]:
    collector, outcomes = TrainingCollector(tmp_path / "c.jsonl"), Outcomes()
    graph = create_retry_subgraph(
        ScriptedChatModel(draft="go away"),
        Polite,
        judge=judge,
        max_attempts=2,
        on_exhausted="interrupt",
        checkpointer=InMemorySaver(),
        **options,
    )
    config = {"configurable": {"thread_id": "t"}, "callbacks": [collector, outcomes]}
    paused = graph.invoke(START, config)
    return graph, config, collector, outcomes, paused["__interrupt__"][0].value


def test_review_request_is_typed(tmp_path, judge):
    _, _, _, _, request = _paused(tmp_path, judge)
    assert request["type"] == "semantix_review"
    assert request["draft"] == "go away" and request["best"] == "go away"
    assert request["allowed_decisions"] == ["approve", "edit", "reject"]
    assert request["intents"] == [{"name": "Polite", "description": Polite.description(), "threshold": None}]
    assert [a["attempt"] for a in request["attempts"]] == [1, 2]


def test_approve_is_a_label_not_a_correction_pair(tmp_path, judge):
    graph, config, collector, outcomes, _ = _paused(tmp_path, judge)
    done = graph.invoke(Command(resume={"type": "approve"}), config)
    assert done["output"] == "go away" and done["passed"] and done["reviewed"]
    assert list(collector.records()) == []
    (outcome,) = outcomes.seen[-1:]
    assert outcome["review"] == {
        "decision": "approve",
        "draft": "go away",
        "content": None,
        "intents": [{"name": "Polite", "description": Polite.description(), "threshold": None}],
    }
    accepted = [a for a in outcome["attempts"] if a["attempt"] == outcome["accepted_attempt"]]
    assert not accepted or accepted[0]["output"] not in {a["output"] for a in outcome["attempts"] if not a["passed"]}


@pytest.mark.parametrize(
    "decision", [{"type": "edit", "content": "Kindly, no."}, {"action": "edit", "content": "Kindly, no."}, "Kindly, no."]
)
def test_edit_is_a_human_correction(tmp_path, judge, decision):
    graph, config, collector, outcomes, _ = _paused(tmp_path, judge)
    done = graph.invoke(Command(resume=decision), config)
    assert done["output"] == "Kindly, no." and done["passed"] and done["reviewed"]
    (record,) = list(collector.records())
    assert record["rejected_output"] == "go away" and record["accepted_output"] == "Kindly, no."
    assert record["metadata"]["source"] == "human_review"
    assert outcomes.seen[-1]["review"]["decision"] == "edit"
    assert outcomes.seen[-1]["review"]["content"] == "Kindly, no."


@pytest.mark.parametrize(
    "decision,answer", [({"type": "reject"}, "Sorry."), ({"type": "reject", "message": "We will call you."}, "We will call you.")]
)
def test_reject_answers_with_the_fallback_or_message(tmp_path, judge, decision, answer):
    graph, config, collector, outcomes, _ = _paused(tmp_path, judge, fallback_message="Sorry.")
    done = graph.invoke(Command(resume=decision), config)
    assert done["output"] == answer and not done["passed"] and done["reviewed"]
    assert done["messages"][-1].content == answer
    assert list(collector.records()) == []
    assert outcomes.seen[-1]["review"]["decision"] == "reject" and not outcomes.seen[-1]["passed"]


def test_old_approve_action_still_works(tmp_path, judge):
    graph, config, collector, _, _ = _paused(tmp_path, judge)
    done = graph.invoke(Command(resume={"action": "approve"}), config)
    assert done["output"] == "go away" and list(collector.records()) == []


@pytest.mark.parametrize("decision", [{"type": "edit"}, {"type": "edit", "content": "  "}, {"type": "maybe"}, 3])
def test_a_bad_decision_is_asked_again_with_the_fix_and_the_review_can_still_end(tmp_path, judge, decision):
    graph, config, collector, _, _ = _paused(tmp_path, judge)
    again = graph.invoke(Command(resume=decision), config)["__interrupt__"][0].value
    assert "resume the review with" in again["error"] and again["draft"] == "go away"
    done = graph.invoke(Command(resume={"type": "edit", "content": "Kindly, no."}), config)
    assert done["output"] == "Kindly, no." and done["passed"] and done["reviewed"]
    assert [r["accepted_output"] for r in collector.records()] == ["Kindly, no."]


def test_output_schema_hides_bookkeeping(judge, healing_model):
    graph = create_retry_subgraph(healing_model, Polite, judge=judge)
    out = graph.invoke(START)
    assert set(out) <= {"messages", "passed", "attempts", "output", "verdicts", "history", "reviewed"}
    assert set(graph.get_output_jsonschema()["properties"]) == {
        "messages",
        "passed",
        "attempts",
        "output",
        "verdicts",
        "history",
        "reviewed",
    }
    assert set(graph.get_input_jsonschema()["properties"]) == {"messages"}


def test_an_edit_that_changes_nothing_is_an_approval(tmp_path, judge):
    graph, config, collector, outcomes, _ = _paused(tmp_path, judge)
    done = graph.invoke(Command(resume={"type": "edit", "content": " go away \n"}), config)
    assert done["output"] == "go away" and done["passed"]
    assert list(collector.records()) == [] and outcomes.seen[-1]["review"]["decision"] == "approve"


async def test_async_review_round_trip(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    graph = create_retry_subgraph(
        ScriptedChatModel(draft="go away"), Polite, judge=judge, max_attempts=2, on_exhausted="interrupt", checkpointer=InMemorySaver()
    )
    config = {"configurable": {"thread_id": "a"}, "callbacks": [collector]}
    paused = await graph.ainvoke(START, config)
    assert paused["__interrupt__"][0].value["type"] == "semantix_review"
    done = await graph.ainvoke(Command(resume={"type": "edit", "content": "Kindly, no."}), config)
    assert done["output"] == "Kindly, no." and [r["accepted_output"] for r in collector.records()] == ["Kindly, no."]


@pytest.mark.parametrize(
    "decision,expected",
    [
        ({"type": "approve"}, [("go away", True)]),
        ({"type": "edit", "content": "Kindly, no."}, [("Kindly, no.", True), ("go away", False)]),
        ({"type": "reject"}, [("go away", False)]),
    ],
)
def test_collector_writes_review_decisions_as_labels(tmp_path, judge, decision, expected):
    from langchain_semantix.training.judge import LabelStore

    labels = LabelStore(tmp_path / "labels.jsonl")
    collector = TrainingCollector(tmp_path / "c.jsonl", labels=labels)
    graph = create_retry_subgraph(
        ScriptedChatModel(draft="go away"), Polite, judge=judge, max_attempts=2, on_exhausted="interrupt", checkpointer=InMemorySaver()
    )
    config = {"configurable": {"thread_id": "t"}, "callbacks": [collector]}
    graph.invoke(START, config)
    graph.invoke(Command(resume=decision), config)
    got = [(e.output, e.label) for e in labels.examples()]
    assert got == expected
    assert all(e.source == "human_review" and e.intent == "Polite" and e.requirement == Polite.description() for e in labels)
    assert collector.diagnostics()["review_labels"] == len(expected)
    assert len(list(collector.records())) == (1 if decision["type"] == "edit" else 0)


def test_collector_takes_a_label_path(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl", labels=tmp_path / "labels.jsonl")
    graph = create_retry_subgraph(
        ScriptedChatModel(draft="go away"), Polite, judge=judge, max_attempts=1, on_exhausted="interrupt", checkpointer=InMemorySaver()
    )
    config = {"configurable": {"thread_id": "t"}, "callbacks": [collector]}
    graph.invoke(START, config)
    graph.invoke(Command(resume={"type": "approve"}), config)
    assert collector.labels.path == tmp_path / "labels.jsonl" and len(collector.labels) == 1

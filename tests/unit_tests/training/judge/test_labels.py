"""Labelled examples: validation, readers, stores, and every label source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langgraph.store.memory import InMemoryStore
from pydantic import ValidationError

from langchain_semantix import Intent
from langchain_semantix.testing import KeywordJudge
from langchain_semantix.training.judge import (
    CircularLabelError,
    LabelError,
    LabelledExample,
    LabelStore,
    label_with,
    labels_from_corrections,
    labels_from_review,
    read_labels,
)
from langchain_semantix.training.judge.labels import check_trainable

REQ = "The text must politely decline an invitation without being rude."


class PoliteDecline(Intent):
    """The text must politely decline an invitation without being rude."""


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("label", ["yes", 1, "true", None])
def test_label_must_be_a_real_bool(label: object) -> None:
    with pytest.raises(ValidationError):
        LabelledExample(requirement=REQ, output="x", label=label)  # type: ignore[arg-type]


def test_unknown_source_and_blank_text_are_refused() -> None:
    with pytest.raises(ValidationError, match="source"):
        LabelledExample(requirement=REQ, output="x", label=True, source="robot")
    with pytest.raises(ValidationError, match="non-empty"):
        LabelledExample(requirement=REQ, output="   ", label=True)
    assert LabelledExample(requirement=REQ, output="x", label=True, source="judge:llm").source == "judge:llm"


def test_read_jsonl_keeps_extra_fields_as_metadata(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [
            {"requirement": REQ, "output": "Thanks, but no.", "label": True, "requirement_id": "r1"},
            {"requirement": REQ, "output": "No. Go away.", "label": False, "hard": True, "intent": "PoliteDecline"},
        ],
    )
    first, second = read_labels(path)
    assert first.label is True and first.metadata == {"requirement_id": "r1"} and first.key == REQ
    assert second.hard and second.key == "PoliteDecline" and not first.hard


def test_read_csv(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text(f'requirement,output,label,intent\n"{REQ}","Thanks, but no.",true,PoliteDecline\n"{REQ}",Go away,FALSE,\n')
    examples = read_labels(path)
    assert [e.label for e in examples] == [True, False]
    assert examples[0].intent == "PoliteDecline" and examples[1].intent is None


def test_non_bool_label_names_file_line_and_fix(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [
            {"requirement": REQ, "output": "a", "label": True},
            {"requirement": REQ, "output": "b", "label": "yes"},
        ],
    )
    with pytest.raises(LabelError, match=r"l\.jsonl:2: label must be true or false.*'yes'.*not 'yes'"):
        read_labels(path)
    bad_csv = tmp_path / "l.csv"
    bad_csv.write_text(f"requirement,output,label\n{REQ},a,1\n")
    with pytest.raises(LabelError, match=r"l\.csv:2: label must be true or false, got '1'"):
        read_labels(bad_csv)


def test_empty_missing_and_malformed_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(LabelError, match="holds no labelled examples"):
        read_labels(empty)
    with pytest.raises(LabelError, match="does not exist"):
        read_labels(tmp_path / "nope.jsonl")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"requirement": "r", "output": "o", "label": true}\n{not json\n')
    with pytest.raises(LabelError, match=r"broken\.jsonl:2: not valid JSON"):
        read_labels(broken)
    no_column = tmp_path / "c.csv"
    no_column.write_text("requirement,text,label\nr,o,true\n")
    with pytest.raises(LabelError, match="missing column.*output"):
        read_labels(no_column)


def test_unknown_requirement(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "l.jsonl", [{"intent": "PoliteDecline", "output": "Thanks, but no.", "label": True}])
    with pytest.raises(LabelError, match=r"l\.jsonl:1: unknown requirement: intent 'PoliteDecline'"):
        read_labels(path)
    (example,) = read_labels(path, intents={"PoliteDecline": PoliteDecline})
    assert example.requirement == REQ


def test_one_class_only_is_not_trainable() -> None:
    only_positive = [LabelledExample(requirement=REQ, output=f"ok {i}", label=True) for i in range(3)]
    with pytest.raises(LabelError, match="only positive.*add outputs that violate"):
        check_trainable(only_positive)
    with pytest.raises(LabelError, match="empty"):
        check_trainable([])


def test_label_store_file_round_trip(tmp_path: Path) -> None:
    store = LabelStore(tmp_path / "sub" / "labels.jsonl")
    written = [LabelledExample(requirement=REQ, output=f"out {i}", label=i % 2 == 0) for i in range(3)]
    assert store.add_many(written) == 3
    store.add(LabelledExample(requirement=REQ, output="last", label=False, source="human_review"))
    again = LabelStore(tmp_path / "sub" / "labels.jsonl").examples()
    assert [e.output for e in again] == ["out 0", "out 1", "out 2", "last"]
    assert again[:3] == written and len(store) == 4 and read_labels(store.path)[3].source == "human_review"


def test_label_store_on_a_langgraph_store() -> None:
    store = LabelStore(InMemoryStore())
    store.add_many([LabelledExample(requirement=REQ, output="a", label=True), LabelledExample(requirement=REQ, output="b", label=False)])
    assert sorted((e.output, e.label) for e in store) == [("a", True), ("b", False)]


def test_label_with_a_stronger_judge(tmp_path: Path) -> None:
    store = LabelStore(tmp_path / "l.jsonl")
    examples = label_with(KeywordJudge(fail_words=["go away"]), ["Thanks, but I can't.", "No. Go away."], PoliteDecline, store=store)
    assert [e.label for e in examples] == [True, False]
    assert {e.source for e in examples} == {"judge:keyword:keywords"}
    assert examples[1].score == pytest.approx(0.05) and examples[0].intent == "PoliteDecline"
    assert read_labels(store.path) == examples


def _record(judge: object, model: str | None = None) -> dict:
    return {
        "intent": "PoliteDecline",
        "intent_description": REQ,
        "id": "r1",
        "accepted_output": "Thanks, but I can't.",
        "accepted_score": 0.9,
        "rejected_attempts": [{"output": "No.", "score": 0.1}, {"output": "Go away.", "score": 0.2}],
        "judge": {"name": judge, "model": model} if judge else None,
    }


def test_labels_from_corrections() -> None:
    examples = labels_from_corrections([_record("llm", "gpt")], judge_being_trained=KeywordJudge())
    assert [(e.output, e.label) for e in examples] == [("Thanks, but I can't.", True), ("No.", False), ("Go away.", False)]
    assert {e.source for e in examples} == {"correction"} and examples[0].judge == "llm:gpt"


def test_circular_labels_are_refused_unless_allowed() -> None:
    same = KeywordJudge()
    with pytest.raises(CircularLabelError, match="decided by keyword:keywords.*allow_circular=True"):
        labels_from_corrections([_record("keyword", "keywords")], judge_being_trained=same)
    with pytest.raises(CircularLabelError, match="an unrecorded judge"):
        labels_from_corrections([_record(None)], judge_being_trained=same)
    with pytest.raises(CircularLabelError):
        labels_from_corrections([_record("nli", "m1")], judge_being_trained="nli:m1")
    assert len(labels_from_corrections([_record("nli", "m1")], judge_being_trained="nli:m2")) == 3
    assert len(labels_from_corrections([_record("keyword", "keywords")], judge_being_trained=same, allow_circular=True)) == 3


def _review(decision: str, content: str | None = None) -> dict:
    return {
        "decision": decision,
        "draft": "No.",
        "content": content,
        "intents": [
            {"name": "PoliteDecline", "description": REQ, "threshold": 0.5},
            {"name": "Short", "description": "The text must be short.", "threshold": None},
        ],
    }


def test_labels_from_review_approve_edit_reject() -> None:
    approve = labels_from_review(_review("approve"))
    assert [(e.intent, e.output, e.label) for e in approve] == [("PoliteDecline", "No.", True), ("Short", "No.", True)]
    assert {e.source for e in approve} == {"human_review"}
    edit = labels_from_review(_review("edit", "Thanks, but I can't."))
    assert [(e.intent, e.output, e.label) for e in edit] == [
        ("PoliteDecline", "Thanks, but I can't.", True),
        ("PoliteDecline", "No.", False),
        ("Short", "Thanks, but I can't.", True),
        ("Short", "No.", False),
    ]
    reject = labels_from_review(_review("reject"), source="user")
    assert [(e.output, e.label, e.source) for e in reject] == [("No.", False, "user")] * 2


def test_bad_reviews() -> None:
    with pytest.raises(LabelError, match="decision"):
        labels_from_review(_review("maybe"))
    with pytest.raises(LabelError, match="edited answer"):
        labels_from_review(_review("edit"))
    with pytest.raises(LabelError, match="no intents"):
        labels_from_review({**_review("approve"), "intents": []})

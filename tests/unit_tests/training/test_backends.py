"""training/backends.py: where records live (a JSONL file, a LangGraph store) and reading any source."""

from __future__ import annotations

import pytest
from langgraph.store.memory import InMemoryStore

from langchain_semantix import TrainingCollector
from langchain_semantix.training.backends import JsonlBackend, StoreBackend, is_store_spec, iter_records, open_source
from langchain_semantix.training.jsonl import CorruptLineWarning
from langchain_semantix.training.records import make_record
from tests.unit_tests.training._data import PAIR, rec, write


def test_a_store_backend_pages_through_every_record_in_order_of_keys():
    backend = StoreBackend(InMemoryStore(), ("t", "c"), page_size=2)
    for i in range(5):
        backend.append(make_record(**{**PAIR, "accepted_output": f"yes {i}"}))
    assert sorted(r["accepted_output"] for r in backend) == [f"yes {i}" for i in range(5)]
    assert backend.describe() == "InMemoryStore['t', 'c']"


def test_a_store_backend_refuses_what_json_cannot_hold():
    with pytest.raises(Exception, match="JSON|serial"):
        StoreBackend(InMemoryStore()).append({"id": "x", "value": object()})


def test_a_missing_file_holds_no_records_only_when_allowed(tmp_path):
    assert list(JsonlBackend(tmp_path / "none.jsonl")) == []
    assert list(iter_records(tmp_path / "none.jsonl", missing_ok=True)) == []
    with pytest.raises(FileNotFoundError):
        list(iter_records(tmp_path / "none.jsonl"))


def test_open_source_takes_paths_stores_collectors_and_backends(tmp_path):
    path = write(tmp_path / "c.jsonl", [rec(0)])
    assert isinstance(open_source(path), JsonlBackend) and isinstance(open_source(str(path)), JsonlBackend)
    collector = TrainingCollector(path)
    assert open_source(collector) is collector.backend
    backend = StoreBackend(InMemoryStore())
    assert open_source(backend) is backend
    assert [r["intent"] for r in iter_records(open_source(InMemoryStore()))] == []
    with pytest.raises(TypeError, match="cannot read records from int; pass a JSONL path, a BaseStore or a TrainingCollector"):
        open_source(3)


def test_connection_strings_are_stores_not_paths():
    assert is_store_spec("postgresql://u@h/db") and is_store_spec("postgres://h/db")
    assert not is_store_spec("postgresql.jsonl") and not is_store_spec(b"postgresql://h")


def test_iter_records_normalises_filters_and_names_what_it_skips(tmp_path):
    path = write(tmp_path / "c.jsonl", [rec(0), rec(1, intent="Other"), {"intent": "Polite"}, rec(2)])
    skipped: list[str] = []
    with pytest.warns(CorruptLineWarning, match="c.jsonl:3"):
        records = list(iter_records(path, intent_filter="Polite", skipped=skipped))
    assert [r["accepted_output"] for r in records] == ["good 0", "good 2"]
    # semantix-ai records are normalised: they gain the fields of the current schema
    assert [r["rejected_attempts"][0]["output"] for r in records] == ["bad 0", "bad 2"] and records[0]["tags"] == []
    assert len(skipped) == 1 and "c.jsonl:3" in skipped[0]


@pytest.mark.parametrize("blank", ["", "  ", "\t", "\u3000"])
def test_a_blank_intent_filter_is_refused_at_the_call(tmp_path, blank):
    path = write(tmp_path / "c.jsonl", [rec(0)])
    with pytest.raises(
        ValueError,
        match=r"intent_filter must name an intent, but it is (empty|only whitespace) .*; give an intent name such as 'Polite', or leave it out",
    ):
        iter_records(path, intent_filter=blank)  # refused before iterating, not when the first record is read


@pytest.mark.parametrize("value", [5, b"Polite", ["Polite"]])
def test_an_intent_filter_that_is_not_a_string_is_refused_at_the_call(tmp_path, value):
    path = write(tmp_path / "c.jsonl", [rec(0)])
    with pytest.raises(
        TypeError, match=f"intent_filter must be an intent name \\(str\\) or None for every intent, got {type(value).__name__}"
    ):
        iter_records(path, intent_filter=value)


def test_an_intent_filter_error_does_not_embed_a_huge_value(tmp_path):
    with pytest.raises(TypeError) as error:
        iter_records(tmp_path / "c.jsonl", intent_filter=b"x" * 5_000_000)
    assert len(str(error.value)) < 300


def test_iter_records_still_reads_lazily_and_filters_by_intent(tmp_path):
    records = iter_records(tmp_path / "later.jsonl")  # no error until it is read
    write(tmp_path / "later.jsonl", [rec(0), rec(1, intent="Concise")])
    assert [r["intent"] for r in records] == ["Polite", "Concise"]
    assert [r["intent"] for r in iter_records(tmp_path / "later.jsonl", intent_filter="Concise")] == ["Concise"]

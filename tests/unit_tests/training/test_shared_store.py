"""Store sources without a server: connection-string handling, retries, event-loop writes, copy."""

from __future__ import annotations

import json
import threading

import pytest
from langgraph.store.memory import InMemoryStore

from langchain_semantix import TrainingCollector
from langchain_semantix.training.backends import open_source
from langchain_semantix.training.collector import CollectorWriteWarning
from langchain_semantix.training.copy import copy_records
from langchain_semantix.training.postgres import ConnectionStringSource, is_connection_string, redact, split_spec
from langchain_semantix.training.shared_store import SharedStoreBackend, StoreWriteError

psycopg = pytest.importorskip("psycopg", reason="needs the postgres extra")


def _pair(collector: TrainingCollector, n: int) -> dict:
    return collector.record(
        intent="Polite", intent_description="Be polite.", rejected_output=f"no {n}", rejected_score=0.1,
        rejected_reason="rude", accepted_output=f"No, thank you {n}.", accepted_score=0.9, feedback="f", attempts=2,
    )  # fmt: skip


def test_connection_strings_are_recognised_and_redacted():
    assert is_connection_string("postgresql://u:p@h/db") and is_connection_string("postgres://h/db")
    assert not is_connection_string("data/c.jsonl") and not is_connection_string(None)
    assert redact("postgresql://app:hunter2@db:5432/agents") == "postgresql://app:***@db:5432/agents"
    assert "hunter2" not in redact("host=db password=hunter2 dbname=x")
    assert split_spec("postgresql://h/db#semantix.corrections.prod") == ("postgresql://h/db", ("semantix", "corrections", "prod"))
    assert split_spec("postgresql://h/db") == ("postgresql://h/db", None)
    source = open_source("postgresql://app:hunter2@h/db")
    assert isinstance(source, ConnectionStringSource) and "hunter2" not in source.describe()


class FlakyStore(InMemoryStore):
    """Fails the first ``failures`` writes as a dropped connection would."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.threads: list[int] = []

    def batch(self, ops):  # type: ignore[no-untyped-def]
        self.threads.append(threading.get_ident())
        if self.failures > 0:
            self.failures -= 1
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return super().batch(ops)


def test_transient_errors_are_retried_then_reported():
    store = FlakyStore(failures=2)
    collector = TrainingCollector.from_store(store)
    record = _pair(collector, 1)
    assert [r["id"] for r in collector.records()] == [record["id"]]

    down = FlakyStore(failures=10**6)
    collector = TrainingCollector.from_store(down)
    collector.backend.retry_for = 0.2  # type: ignore[attr-defined]
    with pytest.warns(CollectorWriteWarning, match="StoreWriteError"), pytest.raises(StoreWriteError, match="after retrying.*Fix: check"):
        _pair(collector, 2)
    assert collector.write_error_count == 1  # counted, as any failed write is (the store cannot be read for diagnostics())


async def test_writes_inside_an_event_loop_run_off_the_loop():
    store = FlakyStore(failures=0)
    collector = TrainingCollector.from_store(store)

    for n in range(20):
        _pair(collector, n)  # as a callback handler on the loop would
    await collector.aflush()
    assert threading.get_ident() not in store.threads
    assert len(list(collector.records())) == 20


async def test_failed_background_writes_are_kept_and_raised():
    store = FlakyStore(failures=10**6)
    collector = TrainingCollector.from_store(store)
    backend: SharedStoreBackend = collector.backend  # type: ignore[assignment]
    backend.retry_for = 0.1

    with pytest.raises(StoreWriteError, match="kept in backend.failed"):
        _pair(collector, 1)
        await collector.aflush()
    assert len(backend.failed) == 1
    store.failures = 0
    backend.append_many(backend.failed)
    assert len(list(backend)) == 1


@pytest.mark.filterwarnings("ignore::langchain_semantix.training.jsonl.CorruptLineWarning")
def test_copy_between_file_and_store_is_resumable(tmp_path):
    source = tmp_path / "in.jsonl"
    collector = TrainingCollector(source)
    originals = [_pair(collector, n) for n in range(25)]
    with open(source, "a") as handle:  # semantix-ai's record: no id
        handle.write(json.dumps({"intent": "Polite", "intent_description": "d", "accepted_output": "ok"}) + "\n")
        handle.write("{not json\n")
    store = InMemoryStore()
    first = copy_records(source, store, batch_size=10)
    assert first.copied == 26 and first.already_there == 0 and len(first.skipped) == 1
    assert first.skipped[0].startswith(f"{source}:27: skipped corrupt line")
    again = copy_records(source, store, batch_size=10)
    assert again.copied == 0 and again.already_there == 26
    out = tmp_path / "out.jsonl"
    assert copy_records(store, out).copied == 26
    assert copy_records(store, out).copied == 0
    back = [json.loads(line) for line in out.read_text().splitlines()]
    assert len({r["id"] for r in back}) == 26
    assert {r["id"]: r for r in back}[originals[3]["id"]] == originals[3]
    with pytest.raises(ValueError, match="batch_size"):
        copy_records(source, store, batch_size=0)


@pytest.mark.parametrize("store", ["postgresql://app:secret@db/agents", "records.jsonl", 5, {}])
def test_a_backend_on_something_that_is_no_store_is_refused_with_the_fix(store):
    with pytest.raises(TypeError, match="store must be a LangGraph BaseStore") as caught:
        SharedStoreBackend(store)
    assert "secret" not in str(caught.value)

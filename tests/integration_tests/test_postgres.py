"""The collector, exporters, stats, calibration and ``copy`` against a real PostgreSQL 15 server.

One throwaway server (initdb + pg_ctl on a unix socket, as the ``postgres`` user when run
as root) serves the whole module; every test writes to its own namespace. Skipped, with
the reason, where the server binaries or psycopg are missing.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import threading
import uuid
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg", reason="needs the postgres extra: pip install 'langchain-semantix[postgres]'")
pytest.importorskip("langgraph.store.postgres", reason="needs langgraph-checkpoint-postgres (the postgres extra)")

from langchain_semantix import TrainingCollector, with_intent_retry  # noqa: E402
from langchain_semantix.cli import main  # noqa: E402
from langchain_semantix.testing import ScriptedChatModel  # noqa: E402
from langchain_semantix.training import iter_records  # noqa: E402
from langchain_semantix.training.calibrate import collect_scores  # noqa: E402
from langchain_semantix.training.copy import copy_records  # noqa: E402
from langchain_semantix.training.exporters import EXPORTERS  # noqa: E402
from langchain_semantix.training.pg_server import PASSWORD_USER, TemporaryPostgres, find_postgres_bindir  # noqa: E402
from langchain_semantix.training.postgres import StoreConnectionError, open_async_store, open_store  # noqa: E402
from langchain_semantix.training.shared_store import SharedStoreBackend, StoreWriteError  # noqa: E402
from tests.conftest import Polite  # noqa: E402

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server():
    if find_postgres_bindir() is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql-15 to run these tests")
    pg = TemporaryPostgres(fsync=False)
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()  # pg_ctl stop -m immediate, bounded; removes the folder


@pytest.fixture
def namespace() -> tuple[str, ...]:
    return ("semantix", f"t{uuid.uuid4().hex[:10]}")


def _spec(server: TemporaryPostgres, namespace: tuple[str, ...]) -> str:
    return f"{server.url()}#{'.'.join(namespace)}"


def _record(collector: TrainingCollector, worker: int, n: int) -> dict:
    return collector.record(
        intent="Polite" if n % 3 else "Brief",
        intent_description="The text must politely decline an invitation.",
        rejected_output=f"go away {worker}-{n}",
        rejected_score=0.1 + (n % 7) / 100,
        rejected_reason="rude",
        accepted_output=f"Thank you, I can't come ({worker}-{n}).",
        accepted_score=0.8 + (n % 11) / 100,
        feedback="Be polite.",
        attempts=2,
        prompt_messages=[{"role": "user", "content": f"invite {worker}-{n}"}],
    )


def _writer(url: str, namespace: tuple[str, ...], worker: int, count: int) -> None:
    with open_store(url) as store:
        collector = TrainingCollector.from_store(store, namespace=namespace)
        for n in range(count):
            _record(collector, worker, n)


def _rows(url: str, namespace: tuple[str, ...]) -> list[tuple[str, dict]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT key, value FROM store WHERE prefix = %s", (".".join(namespace),)).fetchall()


def _lines(path: Path) -> int:
    if path.suffix == ".json":  # nemo-trajectories: one JSON document
        return sum(len(group) for group in json.loads(path.read_text())["trajectories"])
    return len(path.read_text().splitlines())


def test_eight_processes_500_records_each(server, namespace, tmp_path):
    url = server.url()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(url, namespace, w, 500)) for w in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(90)
        assert p.exitcode == 0
    rows = _rows(url, namespace)
    assert len(rows) == 4000
    assert len({key for key, _ in rows}) == 4000 and all(key == value["id"] for key, value in rows)
    assert len({value["accepted_output"] for _, value in rows}) == 4000

    with open_store(url, setup=False) as store:
        records = list(iter_records(store_source := SharedStoreBackend(store, namespace, page_size=700)))
        assert len(records) == 4000 and len({r["id"] for r in records}) == 4000
        # the same records as a JSONL file: every export must write as many rows from either source
        jsonl = tmp_path / "all.jsonl"
        assert copy_records(store_source, jsonl).copied == 4000
        for name, exporter in EXPORTERS.items():
            suffix = ".json" if name == "nemo-trajectories" else ".jsonl"
            from_store = exporter(store_source, tmp_path / f"store-{name}{suffix}")
            from_file = exporter(jsonl, tmp_path / f"file-{name}{suffix}")
            assert from_store.total == from_file.total > 0, name
            assert _lines(tmp_path / f"store-{name}{suffix}") == _lines(tmp_path / f"file-{name}{suffix}"), name
        assert collect_scores(store_source) == collect_scores(jsonl) or _same_scores(store_source, jsonl)
        collector = TrainingCollector.from_store(store, namespace=namespace)
        assert collector.stats()["total_pairs"] == 4000


def _same_scores(a, b) -> bool:
    left, right = collect_scores(a), collect_scores(b)
    return {k: (sorted(v[0]), sorted(v[1])) for k, v in left.items()} == {k: (sorted(v[0]), sorted(v[1])) for k, v in right.items()}


def test_cli_reads_a_connection_string(server, namespace, tmp_path, capsys):
    with open_store(server.url()) as store:
        collector = TrainingCollector.from_store(store, namespace=namespace)
        for n in range(30):
            _record(collector, 0, n)
    spec = _spec(server, namespace)
    assert main(["stats", spec]) == 0
    assert json.loads(capsys.readouterr().out)["total_pairs"] == 30
    assert main(["export", "openai", spec, str(tmp_path / "sft.jsonl")]) == 0
    assert _lines(tmp_path / "sft.jsonl") == 30
    assert main(["calibrate", spec]) == 0
    assert "Polite: threshold" in capsys.readouterr().out
    assert main(["calibrate", spec, "-o", str(tmp_path / "th.json")]) == 0  # the open store is not compared with -o
    assert "Polite" in json.loads((tmp_path / "th.json").read_text())["intents"]
    # a connection string works in the Python API as a path does
    assert sum(1 for _ in iter_records(spec)) == 30
    assert EXPORTERS["openai-preference"](spec, tmp_path / "dpo.jsonl").written == 30
    assert sum(len(a) for a, _ in collect_scores(spec).values()) == 30


def test_async_collector_through_async_postgres_store(server, namespace):
    judge_words = ["go away"]
    from langchain_semantix.testing import KeywordJudge

    model = ScriptedChatModel(draft=lambda q: f"go away {q}", revision=lambda q: f"Sorry, {q}: I can't.")
    chain = with_intent_retry(model, Polite, judge=KeywordJudge(fail_words=judge_words))
    questions = [f"party {i}" for i in range(40)]

    async def run() -> list[dict]:
        async with open_async_store(server.url()) as store:
            collector = TrainingCollector.from_store(store, namespace=namespace)
            # the store's sync API raises inside its own loop, so a blocking write would fail the run
            await asyncio.gather(*(chain.ainvoke(q, config={"callbacks": [collector]}) for q in questions))
            await collector.aflush()
            backend = SharedStoreBackend(store, namespace, page_size=7)
            with pytest.raises(RuntimeError, match="asyncio.to_thread"):
                next(iter(backend))  # a sync read inside the store's own loop would deadlock
            assert len(await asyncio.to_thread(lambda: list(iter_records(backend)))) == len(questions)
            return [item.value for item in await store.asearch(namespace, limit=1000)]

    values = asyncio.run(run())
    assert sorted(v["accepted_output"] for v in values) == sorted(f"Sorry, {q}: I can't." for q in questions)
    assert all(v["prompt_messages"][0]["content"] in questions for v in values)


def test_sync_store_written_off_the_event_loop(server, namespace):
    """A sync PostgresStore used from an async run: the write happens in the writer thread."""
    with open_store(server.url()) as store:
        collector = TrainingCollector.from_store(store, namespace=namespace)
        threads: list[int] = []
        put = store.put

        def spying_put(*args, **kwargs):
            threads.append(threading.get_ident())
            return put(*args, **kwargs)

        store.put = spying_put  # type: ignore[method-assign]

        async def run() -> int:
            _record(collector, 1, 1)
            await collector.aflush()
            return threading.get_ident()

        loop_thread = asyncio.run(run())
        assert threads and loop_thread not in threads
        assert len(_rows(server.url(), namespace)) == 1


def test_server_restart_mid_run_writers_retry(server, namespace):
    url = server.url()
    written: list[str] = []
    errors: list[BaseException] = []
    halfway = threading.Event()

    def write() -> None:
        try:
            with open_store(url) as store:
                collector = TrainingCollector.from_store(store, namespace=namespace)
                for n in range(300):
                    written.append(_record(collector, 7, n)["id"])
                    if n == 100:
                        halfway.set()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            halfway.set()

    writer = threading.Thread(target=write)
    writer.start()
    assert halfway.wait(60)
    server.stop_server("immediate")  # a crash: connections drop mid-write
    server.start_server()
    writer.join(90)
    assert not writer.is_alive() and not errors
    rows = _rows(url, namespace)
    assert len(rows) == 300 and {key for key, _ in rows} == set(written)
    assert all(value["accepted_output"].startswith("Thank you") and value["rejected_attempts"] for _, value in rows)


def test_server_down_longer_than_retry_gives_clear_error(server, namespace):
    with open_store(server.url(), connect_timeout=2) as store:
        backend = SharedStoreBackend(store, namespace, retry_for=1.0)
        collector = TrainingCollector.from_store(store, namespace=namespace)
        collector.backend = backend
        first = _record(collector, 2, 0)
        server.stop_server("fast")
        try:
            with pytest.raises(StoreWriteError, match="after retrying.*Fix: check that the database is up"):
                _record(collector, 2, 1)
        finally:
            server.start_server()
        second = _record(collector, 2, 2)  # the pool hands out a fresh connection
    rows = dict(_rows(server.url(), namespace))
    assert set(rows) == {first["id"], second["id"]}


def test_wrong_password_names_the_fix(server, capsys):
    url = server.url(PASSWORD_USER, "not-the-password")
    with pytest.raises(StoreConnectionError) as info:
        with open_store(url):
            pass
    message = str(info.value)
    assert "password authentication failed" in message and "Fix: check the password" in message
    assert "not-the-password" not in message  # the password is redacted
    with open_store(server.url(PASSWORD_USER, server.password)) as store:
        assert store.search(("nothing",)) == []
    assert main(["stats", url]) == 2
    assert "Fix: check the password" in capsys.readouterr().err


def _jsonl_records(path: Path, count: int) -> list[dict]:
    collector = TrainingCollector(path)
    records = [_record(collector, 3, n) for n in range(count)]
    legacy = {  # semantix-ai's format: no id
        "intent": "Polite", "intent_description": "Be polite.", "rejected_output": "no", "rejected_score": 0.1,
        "rejected_reason": "rude", "accepted_output": "No, thank you.", "accepted_score": 0.9, "feedback": "f",
        "attempts": 2, "timestamp": "2024-01-01T00:00:00+00:00",
    }  # fmt: skip
    with open(path, "a") as handle:
        handle.write(json.dumps(legacy) + "\n")
    return records


def test_copy_round_trip_and_resume(server, namespace, tmp_path, monkeypatch):
    source = tmp_path / "in.jsonl"
    originals = _jsonl_records(source, 250)
    spec = _spec(server, namespace)

    # interrupted after two batches: the written batches stay, the rest is missing
    calls = {"n": 0}
    real = SharedStoreBackend.append_many

    def failing(self, records):
        calls["n"] += 1
        if calls["n"] == 3:
            raise StoreWriteError("simulated crash")
        return real(self, records)

    monkeypatch.setattr(SharedStoreBackend, "append_many", failing)
    with pytest.raises(StoreWriteError), open_store(server.url()) as store:
        copy_records(source, SharedStoreBackend(store, namespace), batch_size=100)
    assert len(_rows(server.url(), namespace)) == 200
    monkeypatch.setattr(SharedStoreBackend, "append_many", real)

    assert main(["copy", str(source), spec]) == 0  # resumed: only the missing 51
    rows = dict(_rows(server.url(), namespace))
    assert len(rows) == 251
    assert main(["copy", str(source), spec]) == 0  # nothing new
    assert len(_rows(server.url(), namespace)) == 251

    back = tmp_path / "back.jsonl"
    assert main(["copy", spec, str(back)]) == 0
    assert main(["copy", spec, str(back)]) == 0  # into the file again: no duplicates
    copied = [json.loads(line) for line in back.read_text().splitlines()]
    assert len(copied) == 251 and len({r["id"] for r in copied}) == 251
    by_id = {r["id"]: r for r in copied}
    assert all(by_id[r["id"]] == r for r in originals)
    legacy = [r for r in copied if r["id"] not in {o["id"] for o in originals}]
    assert len(legacy) == 1 and legacy[0]["accepted_output"] == "No, thank you."


def test_copy_missing_source_file(tmp_path, capsys):
    assert main(["copy", str(tmp_path / "nope.jsonl"), str(tmp_path / "out.jsonl")]) == 2
    assert "does not exist" in capsys.readouterr().err and not (tmp_path / "out.jsonl").exists()


def test_retention_examples_from_the_docs(server, namespace):
    from datetime import datetime, timedelta, timezone

    from langgraph.store.base import PutOp

    with open_store(server.url()) as store:
        collector = TrainingCollector.from_store(store, namespace=namespace)
        old = [collector.record(**_fields(n), timestamp="2020-01-01T00:00:00+00:00") for n in range(3)]
        new = [_record(collector, 5, n) for n in range(4)]
        cutoff = (datetime.now(timezone.utc) - timedelta(days=90)).isoformat()
        backend = SharedStoreBackend(store, namespace)
        stale = [r["id"] for r in backend if (r.get("timestamp") or "") < cutoff]
        assert sorted(stale) == sorted(r["id"] for r in old)
        store.batch([PutOp(backend.namespace, key, None) for key in stale])
        assert {r["id"] for r in backend} == {r["id"] for r in new}
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:  # the SQL variant, by row age
        conn.execute("UPDATE store SET created_at = now() - interval '100 days' WHERE key = %s", (new[0]["id"],))
        deleted = conn.execute(
            "DELETE FROM store WHERE ctid IN (SELECT ctid FROM store WHERE prefix = %s "
            "AND created_at < now() - interval '90 days' LIMIT 5000)",
            (".".join(namespace),),
        ).rowcount
    assert deleted == 1 and len(_rows(server.url(), namespace)) == 3


def _fields(n: int) -> dict:
    return {
        "intent": "Polite", "intent_description": "Be polite.", "rejected_output": f"no {n}", "rejected_score": 0.1,
        "rejected_reason": "rude", "accepted_output": f"No, thank you {n}.", "accepted_score": 0.9, "feedback": "f", "attempts": 2,
    }  # fmt: skip


def test_label_store_on_postgres(server):
    from langchain_semantix.training.judge import labels

    namespace = ("semantix", f"labels{uuid.uuid4().hex[:8]}")
    with open_store(server.url()) as store:
        label_store = labels.LabelStore(SharedStoreBackend(store, namespace))
        examples = [labels.LabelledExample(requirement="Be polite.", output=f"out {n}", label=bool(n % 2)) for n in range(120)]
        assert label_store.add_many(examples) == 120
        assert sorted(e.id for e in label_store.examples()) == sorted(e.id for e in examples)
        assert len(labels.LabelStore(store, namespace=namespace)) == 120  # a plain store works too
    spec = _spec(server, namespace)
    assert len(labels.read_labels(spec)) == 120  # judge training and evaluation read a store as a file


def test_labels_through_a_connection_string(server, tmp_path, capsys):
    from langchain_semantix.training.judge import LabelError, LabelledExample, LabelStore, read_labels

    store = LabelStore(server.url())  # no fragment: the labels namespace, not the corrections one
    store.add_many(
        LabelledExample(requirement="Be polite.", output=f"Thanks {n}" if n % 2 else f"Go away {n}", label=bool(n % 2)) for n in range(10)
    )
    with open_store(server.url()) as pg:
        assert len(LabelStore(pg)) >= 10
        assert not any(item.value.get("output") == "Thanks 1" for item in pg.search(("semantix", "corrections"), limit=1000))
    assert {e.output for e in read_labels(server.url())} >= {"Thanks 1", "Go away 0"}
    empty = f"{server.url()}#semantix.nolabels{uuid.uuid4().hex[:6]}"
    with pytest.raises(LabelError, match="holds no labelled examples"):
        read_labels(empty)


def test_a_read_only_role_reads_a_set_up_store_and_is_told_the_fix_otherwise(server, namespace, capsys):
    suffix = uuid.uuid4().hex[:8]
    db, reader = f"ro_{suffix}", f"reader_{suffix}"
    server.psql(f"CREATE DATABASE {db}")
    server.psql(f"CREATE ROLE {reader} LOGIN")
    reader_url = server.url(reader, dbname=db)
    with pytest.raises(StoreConnectionError, match="cannot create or migrate the store tables") as info:
        with open_store(reader_url):  # no tables yet, and no right to create them
            pass
    assert "GRANT CREATE ON SCHEMA public" in str(info.value)

    async def refused() -> None:
        async with open_async_store(reader_url):
            pass

    with pytest.raises(StoreConnectionError, match="cannot create or migrate the store tables"):
        asyncio.run(refused())
    assert main(["stats", reader_url]) == 2
    assert "cannot create or migrate the store tables" in capsys.readouterr().err
    with open_store(server.url(dbname=db)) as store:  # the owner sets the store up once
        _record(TrainingCollector.from_store(store, namespace=namespace), 0, 1)
    server.psql(f"GRANT CONNECT ON DATABASE {db} TO {reader}")
    with psycopg.connect(server.url(dbname=db), autocommit=True) as conn:
        conn.execute(f"GRANT SELECT ON store, store_migrations TO {reader}")
    assert main(["stats", _spec(server, namespace).replace(server.url(), reader_url)]) == 0
    assert json.loads(capsys.readouterr().out)["total_pairs"] == 1

    async def read() -> int:
        async with open_async_store(reader_url) as store:
            return len(await store.asearch(namespace, refresh_ttl=False))  # a refresh would write

    assert asyncio.run(read()) == 1

"""Correction records in PostgreSQL: write throughput and export cost, beside a JSONL file.

Starts its own throwaway PostgreSQL server (initdb + pg_ctl on a unix socket; default
settings, so every commit is fsynced), then measures:

- records/s written through ``TrainingCollector``: one process (sync ``PostgresStore``),
  one event loop (``AsyncPostgresStore``; the collector's writes run as ``aput`` tasks),
  and 4 processes at once, against the same through a JSONL file;
- ``copy`` of ``--records`` (default 100,000) records from a JSONL file into the store;
- export (``export_openai``) and ``stats`` of those records from the store and from the
  file, each in a fresh interpreter: seconds and peak RSS;
- reading all records with ``store.search(offset=...)`` pages against the keyset reads the
  exporters use (offsets re-sort and skip: O(n^2)), on ``--offset-records``.

    python bench/bench_store.py [--records 100000] [--writes 2000] [--offset-records 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _harness import run_python, table  # noqa: E402
from bench_export import write_records  # noqa: E402

from langchain_semantix.training.pg_server import TemporaryPostgres  # noqa: E402

NAMESPACE = ("semantix", "bench")


def _pair(collector, worker: int, n: int) -> None:  # type: ignore[no-untyped-def]
    collector.record(
        intent="PoliteDecline",
        intent_description="The text must politely decline an invitation.",
        rejected_output=f"go away {worker}-{n}",
        rejected_score=0.2,
        rejected_reason="rude",
        accepted_output=f"Thank you, but I can't come ({worker}-{n}).",
        accepted_score=0.9,
        feedback="Be polite.",
        attempts=2,
        prompt_messages=[{"role": "user", "content": f"invitation {worker}-{n}"}],
    )


def _write(target: str, namespace: tuple[str, ...], worker: int, count: int) -> None:
    from langchain_semantix import TrainingCollector
    from langchain_semantix.training.postgres import open_store

    if target.startswith("postgresql://"):
        with open_store(target) as store:
            collector = TrainingCollector.from_store(store, namespace=namespace)
            for n in range(count):
                _pair(collector, worker, n)
    else:
        fsync = target.startswith("fsync:")
        collector = TrainingCollector(target.removeprefix("fsync:"), fsync=fsync)
        for n in range(count):
            _pair(collector, worker, n)


def _async_write(url: str, namespace: tuple[str, ...], count: int) -> float:
    from langchain_semantix import TrainingCollector
    from langchain_semantix.training.postgres import open_async_store

    async def run() -> float:
        async with open_async_store(url) as store:
            collector = TrainingCollector.from_store(store, namespace=namespace)
            start = time.perf_counter()
            for n in range(count):
                _pair(collector, 0, n)  # inside the loop: handed to aput tasks, never blocks
            await collector.aflush()
            return time.perf_counter() - start

    return asyncio.run(run())


def _processes(target: str, namespace: tuple[str, ...], workers: int, each: int) -> float:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write, args=(target, namespace, w, each)) for w in range(workers)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join(600)
        if p.exitcode != 0:
            raise RuntimeError(f"writer exited with {p.exitcode}")
    return time.perf_counter() - start


def _count(url: str, namespace: tuple[str, ...]) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM store WHERE prefix = %s", (".".join(namespace),)).fetchone()[0]  # type: ignore[index]


def write_throughput(url: str, tmp: Path, writes: int) -> list[list[object]]:
    rows: list[list[object]] = []
    start = time.perf_counter()
    _write(url, ("semantix", "w-sync"), 0, writes)
    rows.append(["PostgresStore, 1 process (sync)", writes, writes / (time.perf_counter() - start)])
    seconds = _async_write(url, ("semantix", "w-async"), writes)
    assert _count(url, ("semantix", "w-async")) == writes
    rows.append(["AsyncPostgresStore, 1 event loop", writes, writes / seconds])
    seconds = _processes(url, ("semantix", "w-proc"), 4, writes // 4)
    assert _count(url, ("semantix", "w-proc")) == writes // 4 * 4
    rows.append(["PostgresStore, 4 processes", writes // 4 * 4, writes // 4 * 4 / seconds])
    path = tmp / "w.jsonl"
    start = time.perf_counter()
    _write(str(path), (), 0, writes)
    rows.append(["JSONL file, 1 process", writes, writes / (time.perf_counter() - start)])
    start = time.perf_counter()
    _write(f"fsync:{tmp / 'wf.jsonl'}", (), 0, writes)
    rows.append(["JSONL file, 1 process, fsync=True", writes, writes / (time.perf_counter() - start)])
    seconds = _processes(str(tmp / "w4.jsonl"), (), 4, writes // 4)
    rows.append(["JSONL file, 4 processes", writes // 4 * 4, writes // 4 * 4 / seconds])
    return rows


def _job(imports: str, code: str) -> dict[str, float]:
    """Seconds of ``code`` alone (imports done first) and the interpreter's peak RSS."""
    return run_python(f"{imports}\nimport time\n_t = time.perf_counter()\n{code}\nRESULT = {{'seconds': time.perf_counter() - _t}}")


def export_costs(url: str, source: Path, tmp: Path, records: int) -> list[list[object]]:
    spec = f"{url}#{'.'.join(NAMESPACE)}"
    copy = _job(
        "from langchain_semantix.training.copy import copy_records\nfrom langchain_semantix.training.postgres import open_spec",
        f"with open_spec({spec!r}) as dst:\n    r = copy_records({str(source)!r}, dst, batch_size=1000)\nassert r.copied == {records}, r",
    )
    rows: list[list[object]] = [[f"copy JSONL -> store ({records:,})", copy["seconds"], records / copy["seconds"], copy["peak_rss_mib"]]]
    imports = "from langchain_semantix.training import iter_records\nfrom langchain_semantix.training.exporters import export_openai\nimport psycopg"
    baseline = _job(imports, "pass")
    for label, src in (("store", spec), ("JSONL", str(source))):
        out = tmp / f"sft-{label}.jsonl"
        result = _job(imports, f"r = export_openai({src!r}, {str(out)!r})\nassert r.written == {records}, r.written")
        rows.append([f"export_openai from {label}", result["seconds"], records / result["seconds"], result["peak_rss_mib"]])
        result = _job(imports, f"n = sum(1 for _ in iter_records({src!r}))\nassert n == {records}, n")
        rows.append([f"stats (iter_records) from {label}", result["seconds"], records / result["seconds"], result["peak_rss_mib"]])
    rows.append(["(interpreter + imports only)", 0.0, 0.0, baseline["peak_rss_mib"]])
    return rows


def offset_vs_keyset(url: str, source: Path, count: int) -> list[list[object]]:
    from langchain_semantix.training.copy import copy_records
    from langchain_semantix.training.postgres import iter_values_by_key, open_store
    from langchain_semantix.training.shared_store import SharedStoreBackend

    namespace = ("semantix", "offset")
    rows: list[list[object]] = []
    with open_store(url) as store:
        copy_records(source, SharedStoreBackend(store, namespace), batch_size=1000)
        n = _count(url, namespace)
        for page in (100, 1000):
            start = time.perf_counter()
            offset, seen = 0, 0
            while True:
                items = store.search(namespace, limit=page, offset=offset)
                seen += len(items)
                if len(items) < page:
                    break
                offset += page
            rows.append([f"search(offset=...), page {page}", n, time.perf_counter() - start])
            assert seen == n
            start = time.perf_counter()
            assert sum(1 for _ in iter_values_by_key(store, namespace, page)) == n
            rows.append([f"keyset by key, page {page}", n, time.perf_counter() - start])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="records exported from the store")
    parser.add_argument("--writes", type=int, default=2000, help="records written per write case")
    parser.add_argument("--offset-records", type=int, default=20_000, help="records read with search(offset=...)")
    args = parser.parse_args()
    with TemporaryPostgres() as server, tempfile.TemporaryDirectory() as tmp_name:
        url, tmp = server.url(), Path(tmp_name)
        import psycopg

        with psycopg.connect(url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        print(f"PostgreSQL {version} on a unix socket, default settings (fsync on, synchronous_commit on)")
        table("Writes through TrainingCollector", ["target", "records", "records/s"], write_throughput(url, tmp, args.writes))
        source = tmp / "corrections.jsonl"
        write_records(source, args.records)
        table(
            f"{args.records:,} records: copy, export and stats, each in a fresh interpreter",
            ["job", "seconds", "records/s", "peak RSS (MiB)"],
            export_costs(url, source, tmp, args.records),
        )
        small = tmp / "small.jsonl"
        write_records(small, args.offset_records)
        table(
            "Reading a whole namespace: offset pages vs keyset",
            ["method", "records", "seconds"],
            offset_vs_keyset(url, small, args.offset_records),
        )


if __name__ == "__main__":
    main()

"""Collector throughput: records/s written by ``TrainingCollector.record``.

Compared with semantix-ai 0.3.3's collector on identical records, interleaved:

- one process (ours holds a thread lock and a cross-process file lock; the peer holds none);
- four processes appending to one file (aggregate records/s, ours only: the peer's
  unlocked appends are not safe across processes);
- fifty concurrent asyncio tasks in one process.

Each writer process imports everything and waits on a barrier first, so start-up is not
counted. Targets (issue 13): one process >= 1.5x the peer; four processes >= 1.5x one.

    python bench/bench_collector.py [--records 4000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _harness import interleaved, peer_available, ratio, table, verdict  # noqa: E402

FIELDS = {
    "intent": "PoliteDecline",
    "intent_description": "The text must politely decline an invitation without being rude.",
    "rejected_output": "No. I will not come to your gala, stop asking. " * 3,
    "rejected_score": 0.12,
    "rejected_reason": "entailment 0.12 below threshold 0.5",
    "accepted_output": "Thank you so much for the invitation to the gala; sadly I can't attend. " * 3,
    "accepted_score": 0.91,
    "feedback": "## Semantic validation failed\nThe text must politely decline an invitation.",
    "attempts": 2,
}


def _collector(kind: str, path: Path) -> object:
    if kind == "ours":
        from langchain_semantix.training import TrainingCollector

        return TrainingCollector(path)
    from semantix.training import TrainingCollector as PeerCollector

    return PeerCollector(path)


def _writer(kind: str, path: str, n: int, ready: object, go: object, out: object) -> None:
    collector = _collector(kind, Path(path))
    record = collector.record  # type: ignore[attr-defined]
    ready.release()  # type: ignore[attr-defined]
    go.wait()  # type: ignore[attr-defined]
    start = time.perf_counter()
    for _ in range(n):
        record(**FIELDS)
    out.put((start, time.perf_counter()))  # type: ignore[attr-defined]


def processes(kind: str, workers: int, n: int, tmp: Path) -> float:
    """Seconds per record for ``workers`` processes writing ``n`` records in all to one file."""
    ctx = mp.get_context("fork")
    path = tmp / f"{kind}-{workers}-{time.perf_counter_ns()}.jsonl"
    ready, go, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(kind, str(path), n // workers, ready, go, out)) for _ in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    go.set()
    spans = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    lines = sum(1 for _ in open(path, "rb"))
    if lines != n // workers * workers:
        raise RuntimeError(f"{kind}: expected {n // workers * workers} lines, found {lines}")
    return (max(e for _, e in spans) - min(s for s, _ in spans)) / lines


def in_process_async(n: int, tmp: Path, tasks: int = 50) -> float:
    """Seconds per record for ``tasks`` concurrent asyncio tasks recording ``n`` records."""
    collector = _collector("ours", tmp / f"async-{time.perf_counter_ns()}.jsonl")
    arecord = getattr(collector, "arecord", None)

    async def one(k: int) -> None:
        for _ in range(k):
            if arecord is not None:
                await arecord(**FIELDS)
            else:
                await asyncio.to_thread(collector.record, **FIELDS)  # type: ignore[attr-defined]

    async def main() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(one(n // tasks) for _ in range(tasks)))
        return (time.perf_counter() - start) / (n // tasks * tasks)

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=4000, help="records per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()
    have_peer = peer_available()
    n = args.records
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cases = {
            "ours, 1 process": lambda: processes("ours", 1, n, tmp),
            "ours, 4 processes": lambda: processes("ours", 4, n, tmp),
            "ours, 50 async tasks": lambda: in_process_async(n, tmp),
        }
        if have_peer:
            cases["semantix-ai, 1 process"] = lambda: processes("peer", 1, n, tmp)
        results = interleaved(cases, rounds=args.rounds)
    rows = [[s.name, 1 / s.median, f"±{s.spread:.0%}", len(s.values)] for s in results.values()]
    table(f"Collector records/s ({n} records per round)", ["writer", "records/s", "spread", "rounds"], rows)
    four, spread4 = ratio(results["ours, 1 process"], results["ours, 4 processes"])
    lines = [f"- 4 processes vs 1 process: {four:.2f}x (±{spread4:.0%}) — target >= 1.5x: {verdict(four >= 1.5)}"]
    if have_peer:
        vs_peer, spread = ratio(results["semantix-ai, 1 process"], results["ours, 1 process"])
        lines.insert(0, f"- ours vs semantix-ai, 1 process: {vs_peer:.2f}x (±{spread:.0%}) — target >= 1.5x: {verdict(vs_peer >= 1.5)}")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()

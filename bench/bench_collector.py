"""Collector throughput: records/s written by ``TrainingCollector.record`` / ``arecord``.

Compared with semantix-ai 0.3.3's collector on identical records, interleaved:

- one process (ours holds a thread lock and a cross-process file lock; the peer holds none);
- four processes appending to one file (aggregate records/s, ours only: the peer's
  unlocked appends are not safe across processes), and, for reference, four processes
  into four files (no lock contention at all: the most four processes get from this machine);
- fifty concurrent asyncio tasks in one process, with ``arecord`` and with
  ``ahandle_outcome``, and the longest the event loop went without running (a blocked loop
  would show the lock and write times there).

Each writer process imports everything and waits on a barrier first, so start-up is not
counted. Targets (issue 13): one process >= 1.5x the peer; four processes into one file
>= 1.5x one process (which needs four free cores: compare with the four-files line).

    python bench/bench_collector.py [--records 4000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

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


def _collector(kind: str, path: Path) -> Any:
    if kind == "ours":
        from langchain_semantix.training import TrainingCollector

        return TrainingCollector(path)
    from semantix.training import TrainingCollector as PeerCollector

    return PeerCollector(path)


def _writer(kind: str, path: str, n: int, ready: Any, go: Any, out: Any) -> None:
    record = _collector(kind, Path(path)).record
    ready.release()
    go.wait()
    start = time.perf_counter()
    for _ in range(n):
        record(**FIELDS)
    out.put((start, time.perf_counter()))


def processes(kind: str, workers: int, n: int, tmp: Path, *, files: int = 1) -> float:
    """Seconds per record for ``workers`` processes writing ``n`` records in all to ``files`` files."""
    ctx = mp.get_context("fork")
    stem = tmp / f"{kind}-{workers}-{files}-{time.perf_counter_ns()}"
    paths = [Path(f"{stem}-{i}.jsonl") for i in range(files)]
    ready, go, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(kind, str(paths[w % files]), n // workers, ready, go, out)) for w in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    go.set()
    spans = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    lines = sum(sum(1 for _ in open(path, "rb")) for path in paths)
    _remove(paths)
    if lines != n // workers * workers:
        raise RuntimeError(f"{kind}: expected {n // workers * workers} lines, found {lines}")
    return (max(e for _, e in spans) - min(s for s, _ in spans)) / lines


def _remove(paths: list[Path]) -> None:
    """Delete a measurement's files, so that the dirty pages of earlier rounds (hundreds of
    MB) do not throttle the writers of later ones by chance."""
    for path in paths:
        for file in (path, path.with_name(path.name + ".lock")):
            file.unlink(missing_ok=True)


def _outcome(session: str) -> dict[str, Any]:
    attempt = {"attempt": 1, "output": FIELDS["rejected_output"], "score": 0.12, "reason": "rude", "feedback": "fb", "threshold": 0.5}
    return {
        "session_id": session,
        "passed": True,
        "intents": [{"name": FIELDS["intent"], "description": FIELDS["intent_description"]}],
        "attempts": [attempt, {**attempt, "attempt": 2, "output": FIELDS["accepted_output"], "score": 0.91}],
        "accepted_attempt": 2,
        "source": "bench",
    }


#: The longest pause of the event loop seen in the async runs (seconds), per method.
LOOP_STALLS: dict[str, float] = {}


def in_process_async(method: str, n: int, tmp: Path, tasks: int = 50) -> float:
    """Seconds per record for ``tasks`` concurrent asyncio tasks recording ``n`` records."""
    collector = _collector("ours", tmp / f"async-{method}-{time.perf_counter_ns()}.jsonl")
    per_task = n // tasks

    def call(task: int, i: int) -> Awaitable[Any]:
        if method == "arecord":
            return collector.arecord(**FIELDS)
        return collector.ahandle_outcome(_outcome(f"{task}-{i}"))

    async def one(task: int) -> None:
        for i in range(per_task):
            await call(task, i)

    async def main() -> float:
        stall, done = 0.0, asyncio.Event()

        async def ticker() -> None:
            nonlocal stall
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0)
                now = time.perf_counter()
                stall, last = max(stall, now - last), now

        tick = asyncio.create_task(ticker())
        start = time.perf_counter()
        await asyncio.gather(*(one(t) for t in range(tasks)))
        elapsed = time.perf_counter() - start
        done.set()
        await tick
        LOOP_STALLS[method] = max(LOOP_STALLS.get(method, 0.0), stall)
        return elapsed / (per_task * tasks)

    per_record = asyncio.run(main())
    lines = sum(1 for _ in open(collector.path, "rb"))
    _remove([collector.path])
    if lines != per_task * tasks:
        raise RuntimeError(f"async {method}: expected {per_task * tasks} lines, found {lines}")
    return per_record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=4000, help="records per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()
    have_peer = peer_available()
    n = args.records
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cases: dict[str, Callable[[], float]] = {
            "ours, 1 process": lambda: processes("ours", 1, n, tmp),
            "ours, 4 processes into one file": lambda: processes("ours", 4, n, tmp),
            "ours, 4 processes into 4 files (reference)": lambda: processes("ours", 4, n, tmp, files=4),
            "ours, 50 async tasks, arecord": lambda: in_process_async("arecord", n, tmp),
            "ours, 50 async tasks, ahandle_outcome": lambda: in_process_async("ahandle_outcome", n, tmp),
        }
        if have_peer:
            cases["semantix-ai, 1 process"] = lambda: processes("peer", 1, n, tmp)
        results = interleaved(cases, rounds=args.rounds)
    rows = [[s.name, 1 / s.median, f"±{s.spread:.0%}", len(s.values)] for s in results.values()]
    table(f"Collector records/s ({n} records per round)", ["writer", "records/s", "spread", "rounds"], rows)
    one = results["ours, 1 process"]
    four, spread4 = ratio(one, results["ours, 4 processes into one file"])
    ceiling, spread_ceiling = ratio(one, results["ours, 4 processes into 4 files (reference)"])
    lines = [
        f"- 4 processes into one file vs 1 process: {four:.2f}x (±{spread4:.0%}) — target >= 1.5x: {verdict(four >= 1.5)}",
        f"- 4 processes into 4 files vs 1 process (no lock contention; the machine's ceiling): {ceiling:.2f}x (±{spread_ceiling:.0%})",
    ]
    if have_peer:
        vs_peer, spread = ratio(results["semantix-ai, 1 process"], one)
        lines.insert(0, f"- ours vs semantix-ai, 1 process: {vs_peer:.2f}x (±{spread:.0%}) — target >= 1.5x: {verdict(vs_peer >= 1.5)}")
    for method, stall in LOOP_STALLS.items():
        lines.append(f"- async {method}: longest event-loop pause {stall * 1000:.1f} ms over all rounds")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()

"""Export and calibration of a large correction file: seconds and peak RSS per format.

Writes ``--records`` (default 100,000) realistic records once, then runs every exporter
and the calibration in a fresh interpreter each (so peak RSS is the job's own), ours and
semantix-ai 0.3.3's where it has the same job (``export_openai``, ``export_generic``,
``calibrate_thresholds``), interleaved over ``--rounds`` rounds.

Targets (issue 13): >= 1.2x faster than semantix-ai and <= 100 MB peak RSS.

    python bench/bench_export.py [--records 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Series, peer_available, ratio, run_python, table, verdict  # noqa: E402

INTENTS = ["PoliteDecline", "RefundWithDate", "ApologyNextStep", "NoMedicalAdvice", "PriceInEuros"]

OURS = {
    "openai": "from langchain_semantix.training.exporters import export_openai as f",
    "openai-preference": "from langchain_semantix.training.exporters import export_openai_preference as f",
    "trl-sft": "from langchain_semantix.training.exporters import export_trl_sft as f",
    "trl-dpo": "from langchain_semantix.training.exporters import export_trl_dpo as f",
    "trl-kto": "from langchain_semantix.training.exporters import export_trl_kto as f",
    "nemo-dpo": "from langchain_semantix.training.exporters import export_nemo_dpo as f",
    "nemo-trajectories": "from langchain_semantix.training.exporters import export_nemo_trajectories as f",
    "generic": "from langchain_semantix.training.exporters import export_generic as f",
}
PEER = {
    "openai": "from semantix.training.exporters import export_openai as f",
    "generic": "from semantix.training.exporters import export_generic as f",
}
CALIBRATE = {
    "ours": "from langchain_semantix.training.calibrate import calibrate_thresholds as f",
    "peer": "from semantix.training.calibrate import calibrate_thresholds as f",
}


def write_records(path: Path, n: int, seed: int = 0) -> None:
    """Records shaped like the collector's: prompt messages, rejected attempts, provenance."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            intent = INTENTS[i % len(INTENTS)]
            rejected, accepted = rng.uniform(0.05, 0.45), rng.uniform(0.55, 0.98)
            record = {
                "schema_version": 1,
                "id": f"{i:032x}",
                "intent": intent,
                "intent_description": f"The text must satisfy requirement {intent} number {i % 7}.",
                "rejected_output": f"Draft {i}: " + "no way, " * rng.randint(5, 30),
                "rejected_score": rejected,
                "rejected_reason": f"score {rejected:.2f} below threshold 0.5",
                "accepted_output": f"Answer {i}: " + "thank you kindly, " * rng.randint(5, 30),
                "accepted_score": accepted,
                "feedback": "## Semantic validation failed\nPlease be polite.",
                "attempts": 2,
                "timestamp": "2026-11-22T08:00:00+00:00",
                "run_id": f"run-{i}",
                "prompt_messages": [
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": f"Please answer request {i} about event {i % 113}."},
                ],
                "rejected_attempts": [{"attempt": 1, "output": f"Draft {i}", "score": rejected, "reason": "low", "feedback": "be polite"}],
                "threshold": 0.5,
                "judge": "nli",
                "model": "scripted",
                "tags": ["bench"],
                "metadata": {"round": i % 3},
            }
            handle.write(json.dumps(record) + "\n")


def job(import_line: str, source: Path, destination: Path | None) -> dict[str, float]:
    call = f"f({str(source)!r}, {str(destination)!r})" if destination else f"f({str(source)!r})"
    code = f"{import_line}\nimport time\n_t = time.perf_counter()\n{call}\nRESULT = {{'seconds': time.perf_counter() - _t}}"
    return run_python(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="records in the source file")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    args = parser.parse_args()
    have_peer = peer_available()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        source = tmp / "corrections.jsonl"
        write_records(source, args.records)
        print(f"source: {args.records:,} records, {source.stat().st_size / 2**20:.0f} MiB")
        jobs: dict[str, tuple[str, Path | None]] = {f"ours {k}": (v, tmp / f"ours-{k}.jsonl") for k, v in OURS.items()}
        jobs["ours calibrate"] = (CALIBRATE["ours"], None)
        if have_peer:
            jobs.update({f"semantix-ai {k}": (v, tmp / f"peer-{k}.jsonl") for k, v in PEER.items()})
            jobs["semantix-ai calibrate"] = (CALIBRATE["peer"], None)
        seconds = {name: Series(name) for name in jobs}
        rss: dict[str, float] = {}
        names = list(jobs)
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                result = job(jobs[name][0], source, jobs[name][1])
                seconds[name].values.append(result["seconds"])
                rss[name] = max(rss.get(name, 0.0), result["peak_rss_mib"])
    rows = [[name, s.median, f"±{s.spread:.0%}", rss[name] * 1.048576] for name, s in seconds.items()]
    table(f"Export / calibration of {args.records:,} records", ["job", "seconds", "spread", "peak RSS (MB)"], rows)
    lines = []
    for job_name in [*PEER, "calibrate"]:
        ours, peer = seconds.get(f"ours {job_name}"), seconds.get(f"semantix-ai {job_name}")
        if ours and peer:
            speedup, spread = ratio(peer, ours)
            lines.append(f"- {job_name}: {speedup:.2f}x semantix-ai's speed (±{spread:.0%}) — target >= 1.2x: {verdict(speedup >= 1.2)}")
    worst = max((v for k, v in rss.items() if k.startswith("ours")), default=0.0) * 1.048576
    lines.append(f"- largest peak RSS of ours: {worst:.0f} MB — target <= 100 MB: {verdict(worst <= 100)}")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()

"""Judge quality learning curve: mean per-requirement ROC AUC and hard-negative false acceptance.

For 0, 5, 10 and 20 labels per requirement (the first k train lines of each dev requirement)
it measures, on the dev set's test split:

- ``EmbeddingJudge`` (all-MiniLM-L6-v2, cosine to the requirement; it does not learn);
- anchored ``EmbeddingJudge`` (the k labelled outputs as satisfying / violating anchors);
- the trained judge: ``train_judge`` on the bundled corpus + the k labels per requirement.

"Calibrated" false acceptance uses a threshold per requirement fitted (Youden's J) on half
of each requirement's test outputs and measured on the other half (``evaluate_judge``);
"own" uses the judge's own thresholds: for the trained judge the ones in its manifest,
for the embedding judges Youden's J on the k train labels (0.5 / default at k = 0).

    python bench/bench_judge_quality.py                      # the learning curve (test split)
    python bench/bench_judge_quality.py --validate epochs=2  # recipe selection on the train split only

``--validate`` never reads the test split: each requirement's first 10 train lines are the
labels, the last 10 the validation outputs.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_semantix.judges import EmbeddingJudge, Judge, bundled_minilm_path  # noqa: E402
from langchain_semantix.training.judge import LabelledExample, evaluate_judge, read_labels, train_judge  # noqa: E402
from langchain_semantix.training.judge.evaluate import _youden, score_examples  # noqa: E402

DEV = Path(__file__).parent / "data" / "judge_dev.jsonl"


def first_k(examples: Sequence[LabelledExample], k: int) -> list[LabelledExample]:
    seen: dict[str, int] = {}
    chosen = []
    for e in examples:
        if seen.get(e.key, 0) < k:
            chosen.append(e)
            seen[e.key] = seen.get(e.key, 0) + 1
    return chosen


def own_thresholds(judge: Judge, labels: Sequence[LabelledExample]) -> dict[str, float]:
    scored = score_examples(judge, labels) if labels else []
    out: dict[str, float] = {}
    for key in {e.key for e in labels}:
        rows = [(s, e.label) for e, (s, _) in zip(labels, scored) if e.key == key]
        value = _youden([s for s, _ in rows], [y for _, y in rows])
        if value is not None:
            out[key] = value
    return out


def at_own_thresholds(judge: Judge, test: Sequence[LabelledExample], thresholds: dict[str, float] | None) -> tuple[float | None, float]:
    """Mean hard-negative false acceptance and mean share of positives accepted (recall)."""
    report = evaluate_judge(judge, test, thresholds=thresholds, calibration_fraction=0)
    per = report.requirements.values()
    values = [m.hard_false_acceptance for m in per if m.hard_false_acceptance is not None]
    recall = [m.tp / m.n_positive for m in per if m.n_positive]
    return (sum(values) / len(values) if values else None), sum(recall) / len(recall)


def measure(
    name: str,
    k: int,
    judge: Judge,
    test: Sequence[LabelledExample],
    own: dict[str, float] | None,
    seconds: float | None = None,
    cpu: float | None = None,
) -> dict[str, Any]:
    report = evaluate_judge(judge, test, calibration_fraction=0.5, seed=0)
    return {
        "judge": name,
        "k": k,
        "auc": report.mean_roc_auc,
        "hard_fa_cal": report.mean_hard_false_acceptance,
        **dict(zip(("hard_fa_own", "recall_own"), at_own_thresholds(judge, test, own))),
        "seconds": seconds,
        "cpu": cpu,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def train(labels: Sequence[LabelledExample], options: dict[str, Any], workdir: Path, tag: str) -> tuple[Judge, float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    judge = train_judge(labels, output_dir=workdir / tag, **options)
    return judge, time.perf_counter() - started, time.process_time() - cpu


def trained_row(
    k: int, labels: list[LabelledExample], test: list[LabelledExample], options: dict[str, Any], workdir: Path
) -> dict[str, Any]:
    import torch

    torch.set_num_threads(options["threads"])
    judge, seconds, cpu = train(labels, options, workdir, f"k{k}")
    return measure("trained judge", k, judge, test, None, seconds, cpu)


def embedding_rows(
    embedding: EmbeddingJudge | None, judges: list[str], k: int, labels: list[LabelledExample], test: list[LabelledExample]
) -> list[dict[str, Any]]:
    rows = []
    if embedding is not None and "embedding" in judges:
        rows.append(measure("EmbeddingJudge", k, embedding, test, own_thresholds(embedding, labels)))
    if embedding is not None and "anchored" in judges and k:
        groups = {
            key: ([e.output for e in labels if e.key == key and e.label], [e.output for e in labels if e.key == key and not e.label])
            for key in {e.key for e in labels}
        }
        anchors = {e.requirement: groups[e.key] for e in labels if all(groups[e.key])}
        anchored = EmbeddingJudge(bundled_minilm_path(), model=embedding._model, anchors=anchors)
        rows.append(measure("anchored EmbeddingJudge", k, anchored, test, own_thresholds(anchored, labels)))
    print_rows(rows)
    return rows


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def print_rows(rows: list[dict[str, Any]]) -> None:
    print(
        "| judge | labels/req | mean ROC AUC | hard false acc. (calibrated) | hard false acc. (own thr.) "
        "| positives accepted (own thr.) | train s (wall) | train s (CPU) | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['judge']} | {r['k']} | {fmt(r['auc'])} | {fmt(r['hard_fa_cal'])} | {fmt(r['hard_fa_own'])} | {fmt(r['recall_own'])} "
            f"| {fmt(r['seconds'], '.0f')} | {fmt(r['cpu'], '.0f')} | {r['rss_mb']:.0f} |",
            flush=True,
        )


def parse_options(pairs: Sequence[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        options[key] = (
            value
            if not value.replace(".", "", 1).replace("-", "", 1).isdigit()
            else (float(value) if "." in value or "e-" in value else int(value))
        )
        if value in ("true", "false"):
            options[key] = value == "true"
    return options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", default=str(DEV))
    parser.add_argument("--ks", default="0,5,10,20")
    parser.add_argument("--judges", default="embedding,anchored,trained")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=4, help="trainings run side by side (one process each)")
    parser.add_argument("--validate", action="store_true", help="recipe selection on the train split only")
    parser.add_argument("recipe", nargs="*", help="train_judge options, key=value (e.g. epochs=2)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    examples = read_labels(args.dev)
    train_split = [e for e in examples if e.metadata.get("split") == "train"]
    if args.validate:
        train_split, test = first_k(train_split, 10), [e for e in train_split if e not in first_k(train_split, 10)]
    else:
        test = [e for e in examples if e.metadata.get("split") == "test"]
    options = {"progress": False, "threads": args.threads, **parse_options(args.recipe)}
    ks = [int(k) for k in args.ks.split(",")]
    judges = args.judges.split(",")
    print(
        f"dev set {args.dev}: {len({e.key for e in test})} requirements, {len(test)} "
        f"{'validation' if args.validate else 'test'} outputs ({sum(e.hard for e in test)} hard negatives); "
        f"recipe options {options}\n",
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    embedding = EmbeddingJudge(bundled_minilm_path()) if {"embedding", "anchored"} & set(judges) else None
    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        # Each training runs in its own process: its peak RSS is its own, and on a shared
        # machine the k runs proceed side by side.
        trained = {k: pool.submit(trained_row, k, first_k(train_split, k), test, options, Path(tmp)) for k in ks if "trained" in judges}
        for k in ks:
            rows.extend(embedding_rows(embedding, judges, k, first_k(train_split, k), test))
        for future in trained.values():
            rows.append(future.result())
            print_rows([rows[-1]])
    print("\nsummary")
    print_rows(rows)


if __name__ == "__main__":
    main()

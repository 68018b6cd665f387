"""The ``langchain-semantix`` command (also ``python -m langchain_semantix``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _stats(args: argparse.Namespace) -> int:
    from langchain_semantix.training.backends import iter_records

    if not Path(args.source).exists():
        print(f"error: {args.source} does not exist", file=sys.stderr)
        return EXIT_USAGE
    skipped: list[str] = []
    intents: dict[str, int] = {}
    for record in iter_records(args.source, skipped=skipped):
        intents[record["intent"]] = intents.get(record["intent"], 0) + 1
    print(json.dumps({"total_pairs": sum(intents.values()), "intents": intents, "skipped": len(skipped)}, indent=2))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from langchain_semantix.training.exporters import EXPORTERS

    options: dict[str, object] = {"intent_filter": args.intent, "dedupe": args.dedupe,
                                  "create_dirs": args.create_dirs, "progress": True}
    if args.format != "nemo-trajectories":
        options.update(validation_fraction=args.validation_fraction, seed=args.seed)
    if args.mode:
        options["mode"] = args.mode
    result = EXPORTERS[args.format](args.source, args.destination, **options)
    print(f"wrote {result.written} examples to {result.destination}")
    if result.validation_destination:
        print(f"wrote {result.validation_written} validation examples to {result.validation_destination}")
    if result.duplicates:
        print(f"dropped {result.duplicates} duplicates")
    if result.skipped:
        print(f"skipped {len(result.skipped)} unreadable records (first: {result.skipped[0]})")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from langchain_semantix.training.validate import validate_openai_file

    report = validate_openai_file(args.file, min_examples=args.min_examples)
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_INVALID


def _calibrate(args: argparse.Namespace) -> int:
    from langchain_semantix.training.calibrate import calibration_report, save_thresholds

    report = calibration_report(
        None if args.labelled else args.source, args.method, min_samples=args.min_samples,
        beta=args.beta, target_precision=args.target_precision, labelled=args.labelled,
    )
    if not report:
        print("no scored records found; nothing to calibrate")
        return EXIT_INVALID
    for name, entry in report.items():
        value = "none" if entry.threshold is None else f"{entry.threshold:.4f}"
        overlap = f"overlap of {entry.n_in_overlap} scores" if entry.overlap else "separated"
        print(f"{name}: threshold {value} ({entry.n_accepted} accepted, {entry.n_rejected} rejected, {overlap}) {entry.note}")
    if args.output:
        print(f"saved {save_thresholds(args.output, report)}")
    if args.plot:
        _plot(report, args.plot)
        print(f"saved {args.plot}")
    return EXIT_OK


def _plot(report: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(report), figsize=(5 * len(report), 3.5), squeeze=False)
    for ax, (name, entry) in zip(axes[0], report.items()):
        bins = [i / 20 for i in range(21)]
        ax.hist(entry.rejected_scores, bins=bins, alpha=0.6, label="rejected", color="tab:red")
        ax.hist(entry.accepted_scores, bins=bins, alpha=0.6, label="accepted", color="tab:green")
        if entry.threshold is not None:
            ax.axvline(entry.threshold, color="black", linestyle="--", label=f"threshold {entry.threshold:.2f}")
        ax.set_title(name)
        ax.set_xlabel("judge score")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _demo(args: argparse.Namespace) -> int:
    from langchain_semantix.demo import run_demo

    run_demo(args.out, model=args.model)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from langchain_semantix.training.calibrate import METHODS
    from langchain_semantix.training.exporters import EXPORTERS

    parser = argparse.ArgumentParser(prog="langchain-semantix", description="Correction pairs: stats, export, validate, calibrate, demo.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("stats", help="count correction pairs by intent")
    p.add_argument("source", help="collector JSONL file")
    p.set_defaults(func=_stats)
    p = sub.add_parser("export", help="export pairs for fine-tuning")
    p.add_argument("format", choices=sorted(EXPORTERS))
    p.add_argument("source")
    p.add_argument("destination")
    p.add_argument("--intent", help="only this intent")
    p.add_argument("--dedupe", action="store_true", help="drop duplicate examples")
    p.add_argument("--validation-fraction", type=float, help="fraction of prompts for a validation file")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mode", choices=["sft", "self_correction"], help="openai format only")
    p.add_argument("--create-dirs", action="store_true", help="create the destination folder")
    p.set_defaults(func=_export)
    p = sub.add_parser("validate", help="check an OpenAI fine-tuning file")
    p.add_argument("file")
    p.add_argument("--min-examples", type=int, default=10)
    p.set_defaults(func=_validate)
    p = sub.add_parser("calibrate", help="fit per-intent thresholds")
    p.add_argument("source", nargs="?", help="collector JSONL file")
    p.add_argument("--method", choices=METHODS, default="midpoint")
    p.add_argument("--min-samples", type=int)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--target-precision", type=float, default=0.9)
    p.add_argument("--labelled", help="JSONL of {intent, score, label} independent of the judge")
    p.add_argument("--output", "-o", help="write a thresholds file")
    p.add_argument("--plot", help="write a PNG of score histograms per intent")
    p.set_defaults(func=_calibrate)
    p = sub.add_parser("demo", help="run the offline flywheel demo")
    p.add_argument("--out", default="demo_output")
    p.add_argument("--model", help="provider:name for init_chat_model instead of the scripted model")
    p.set_defaults(func=_demo)
    from langchain_semantix.training.judge.cli import add_judge_parser

    add_judge_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "calibrate" and not (args.source or args.labelled):
        print("error: give a source file or --labelled", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except (FileNotFoundError, IsADirectoryError, PermissionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

"""``langchain-semantix judge eval|train``: measure a judge on labels, train one from labels."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from langchain_semantix.cli import EXIT_CODES, _Formatter, _positive_int, bounded_float
from langchain_semantix.judges.specs import JUDGE_ENV_VAR, SPECS, load_judge

__all__ = ["add_judge_parser", "load_judge", "JUDGE_ENV_VAR"]  # load_judge lives in judges.specs


def _read_all(paths: list[str]) -> list[Any]:
    from langchain_semantix.training.judge.labels import read_labels

    return [e for path in paths for e in read_labels(path)]


def _eval(args: argparse.Namespace) -> int:
    from langchain_semantix.training.judge.evaluate import evaluate_judge

    if args.json:  # checked before the judge loads or anything is written
        from langchain_semantix.training.atomic import check_not_source, check_replaceable

        check_not_source(args.json, *args.labels, label="--json ")
        check_replaceable(Path(args.json), label="--json ", example="report.json")
        if not Path(args.json).parent.is_dir():
            raise FileNotFoundError(
                f"--json {args.json}: the folder {Path(args.json).parent} does not exist; create it first, or choose another path"
            )
    report = evaluate_judge(load_judge(args.judge), _read_all(args.labels), calibration_fraction=args.calibration_fraction, seed=args.seed)
    print(report.to_markdown())
    if args.json:
        from langchain_semantix.training.atomic import write_text_atomic

        write_text_atomic(args.json, json.dumps(report.to_dict(), indent=2) + "\n")
        print(f"saved {args.json}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from langchain_semantix.training.judge.train import train_judge

    options: dict[str, Any] = {"use_corpus": not args.no_corpus}
    if args.epochs is not None:
        options["epochs"] = args.epochs
    judge = train_judge(
        _read_all(args.labels),
        output_dir=args.output,
        base_model=args.base_model,
        seed=args.seed,
        calibration_fraction=args.calibration_fraction,
        **options,
    )
    held = judge.manifest["thresholds"].get("held_out", {})
    auc = held.get("mean_roc_auc")
    print(
        f"saved a trained judge to {args.output} (held-out mean ROC AUC: {'-' if auc is None else f'{auc:.3f}'}); "
        f"use it with --judge trained:{args.output}, or set {JUDGE_ENV_VAR}=trained:{args.output} "
        "to make it the default judge of every parser, retry and subgraph that is given none"
    )
    return 0


def _guarded(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        from langchain_semantix.judges.nli import JudgeModelError
        from langchain_semantix.training.judge.labels import LabelError

        try:
            return int(func(args))
        except (LabelError, JudgeModelError, FileExistsError, NotADirectoryError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return run


#: A share in [0, 1): 0 turns the held-out part off.
_share = bounded_float(0.0, 1.0, example="0.2 (0 turns it off)")


def _parser(subparsers: Any, name: str, help: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=help[0].upper() + help[1:] + ".", epilog=EXIT_CODES, formatter_class=_Formatter
    )
    return parser


def add_judge_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``judge eval`` and ``judge train`` to a CLI's subparsers."""
    judge = _parser(subparsers, "judge", "measure a judge on labelled examples, or train one")
    sub = judge.add_subparsers(dest="judge_command", required=True, metavar="COMMAND", help="eval or train")
    p = _parser(sub, "eval", "ROC AUC, F1, false acceptance per requirement")
    p.add_argument("labels", nargs="+", help="labelled examples (JSONL or CSV: requirement,output,label)")
    p.add_argument("--judge", help=f"{SPECS} (default: ${JUDGE_ENV_VAR})")
    p.add_argument("--calibration-fraction", type=_share, default=0.5, help="share used to fit thresholds (0: none)")
    p.add_argument("--seed", type=int, default=0, help="seed of the calibration split")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON here")
    p.set_defaults(func=_guarded(_eval))
    p = _parser(sub, "train", "fine-tune a local judge on labelled examples (also retrains on cascade labels)")
    p.add_argument("labels", nargs="+", help="labelled examples (JSONL or CSV); several files are joined")
    p.add_argument("--output", "-o", required=True, metavar="DIR", help="folder for the trained judge")
    p.add_argument("--base-model", help="local model folder to start from (default: NLI cross-encoder if cached, else bundled MiniLM)")
    p.add_argument("--epochs", type=_positive_int, metavar="N", help="passes over the training data (default: the recipe's)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split, the shuffling and the weights")
    p.add_argument("--calibration-fraction", type=_share, default=0.2, help="share held out to fit thresholds (0: none)")
    p.add_argument("--no-corpus", action="store_true", help="do not add the bundled corpus of other requirements")
    p.set_defaults(func=_guarded(_train))
    return judge

"""The ``langchain-semantix`` command (also ``python -m langchain_semantix``).

Every subcommand registers itself in one small ``add_*_parser(subparsers)`` function and
imports the library only inside its handler, so ``--help`` and argument errors answer before
LangChain, LangGraph or torch load. Other packages' subcommands are listed in
:data:`PLUGIN_PARSERS` as ``(module, function)`` and skipped when the module is absent.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import io
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "main",
    "build_parser",
    "EXIT_OK",
    "EXIT_INVALID",
    "EXIT_USAGE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_CODES",
    "EXPORT_FORMATS",
    "PLUGIN_PARSERS",
]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES = """exit codes:
  0  success
  1  the command ran and found problems (invalid fine-tuning file, nothing to calibrate,
     no records of the --intent given)
  2  usage or input error (bad arguments, missing or unreadable file, unwritable
     destination, full disk); nothing is written
  3  unexpected internal error (a bug: set SEMANTIX_DEBUG=1 to see the traceback, and report it)
  130  interrupted (Ctrl-C); nothing is written"""
#: Warnings of one kind printed before the rest are only counted (100k bad lines, 10 lines).
MAX_WARNINGS_SHOWN = 10
DEBUG_ENV_VAR = "SEMANTIX_DEBUG"

#: Export formats (keys of ``training.exporters.EXPORTERS``), with their one-line help.
EXPORT_FORMATS: dict[str, str] = {
    "generic": "records as they are stored (normalised to the current schema)",
    "openai": "OpenAI chat fine-tuning (SFT) JSONL",
    "openai-preference": "OpenAI preference (DPO) JSONL",
    "trl-sft": "TRL SFT dataset (messages or prompt/completion)",
    "trl-dpo": "TRL DPO dataset (prompt, chosen, rejected)",
    "trl-kto": "TRL KTO dataset (unpaired, label true/false)",
    "nemo-dpo": "NeMo Agent Toolkit DPOItem JSONL",
    "nemo-trajectories": "NeMo Agent Toolkit TrajectoryCollection JSON (curriculum-ordered; no validation split)",
}
#: Subcommands other modules provide: ``name: (one-line help, module, function)``. The
#: function receives the subparsers object and adds the parser called ``name``; its module is
#: imported only when that subcommand runs (or asks for its ``--help``), so it may import
#: anything. A module that is not installed is left out of ``--help``.
PLUGIN_PARSERS: dict[str, tuple[str, str, str]] = {
    "judge": ("train, evaluate and use a trained judge", "langchain_semantix.training.judge.cli", "add_judge_parser"),
    "copy": (
        "copy correction records between a JSONL file and a PostgreSQL store",
        "langchain_semantix.training.copy",
        "add_copy_parser",
    ),
}
_CONNECTION_PREFIXES = ("postgresql://", "postgres://")  # training.backends.CONNECTION_PREFIXES, without importing it

Subparsers = Any  # argparse._SubParsersAction, which argparse does not export


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the exit-code table's line breaks; shows the defaults that say something."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.option_strings and not any(action.default is v for v in (None, False, argparse.SUPPRESS)) and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


def _subparser(
    subparsers: Subparsers, name: str, help: str, handler: Callable[[argparse.Namespace], int], inputs: tuple[str, ...] = ()
) -> argparse.ArgumentParser:
    """One subcommand; ``inputs`` names the arguments that must be existing files."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=help[0].upper() + help[1:] + ".", epilog=EXIT_CODES, formatter_class=_Formatter
    )
    parser.set_defaults(func=handler, input_files=inputs)
    return parser


def bounded_float(
    low: float, high: float = math.inf, *, low_open: bool = False, high_open: bool = True, example: str
) -> Callable[[str], float]:
    """An argparse ``type=``: a number from ``low`` to ``high`` (each end closed unless
    ``*_open``; NaN is refused), else an error naming the range and ``example``."""
    if math.isinf(high):
        span = f"a finite number {'above' if low_open else '>='} {low:g}"
    elif low_open and high_open:
        span = f"between {low:g} and {high:g} (exclusive)"
    else:
        span = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        above_low = value > low if low_open else value >= low
        below_high = value < high if high_open else value <= high
        if not (above_low and below_high) or math.isinf(value):
            raise argparse.ArgumentTypeError(f"{value} is not {span}, e.g. {example}")
        return value

    return parse


_fraction = bounded_float(0.0, 1.0, low_open=True, example="0.1")
_precision = bounded_float(0.0, 1.0, low_open=True, high_open=False, example="0.9")  # as calibration_report: (0, 1]
_positive_float = bounded_float(0.0, low_open=True, example="1")
_non_negative_float = bounded_float(0.0, example="0.1")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _missing_input(args: argparse.Namespace) -> str | None:
    """Checked before any work, so a missing source never leaves an empty output behind."""
    for name in getattr(args, "input_files", ()):
        path = getattr(args, name, None)
        if path is None or str(path).startswith(_CONNECTION_PREFIXES):
            continue  # a PostgreSQL store is opened (and its errors reported) by the command
        label = f"--{name}" if name == "labelled" else name.upper()
        if not Path(path).exists():
            return f"{label}: {path} does not exist (give the path of an existing JSONL file)"
        if not Path(path).is_file():
            return f"{label}: {path} is not a file"
    return None


# --- stats ---------------------------------------------------------------------------


def add_stats_parser(subparsers: Subparsers) -> None:
    p = _subparser(subparsers, "stats", "count correction pairs by intent (JSON on stdout)", _stats, ("source",))
    p.add_argument("source", help="collector JSONL file, or a postgresql://...[#namespace] store")


def _stats(args: argparse.Namespace) -> int:
    from langchain_semantix.training.backends import iter_records

    skipped: list[str] = []
    intents: dict[str, int] = {}
    for record in iter_records(args.source, skipped=skipped):
        intents[record["intent"]] = intents.get(record["intent"], 0) + 1
    print(json.dumps({"total_pairs": sum(intents.values()), "intents": intents, "skipped": len(skipped)}, indent=2))
    return EXIT_OK


# --- export --------------------------------------------------------------------------


def add_export_parser(subparsers: Subparsers) -> None:
    p = _subparser(subparsers, "export", "export correction pairs for fine-tuning, one format per subcommand", _export)
    formats = p.add_subparsers(
        dest="format", required=True, metavar="FORMAT", title="formats", help="run `export FORMAT --help` for its options"
    )
    for name, summary in EXPORT_FORMATS.items():
        f = formats.add_parser(name, help=summary, description=summary + ".", epilog=EXIT_CODES, formatter_class=_Formatter)
        f.set_defaults(input_files=("source",))
        f.add_argument("source", help="collector JSONL file, or a postgresql://...[#namespace] store")
        f.add_argument("destination", help="file to write (replaced atomically)")
        f.add_argument("--intent", metavar="NAME", help="export only records of this intent name")
        f.add_argument("--dedupe", action="store_true", help="drop records with the same prompt and answers")
        f.add_argument("--create-dirs", action="store_true", help="create the destination's folder if missing")
        if name != "nemo-trajectories":
            f.add_argument(
                "--validation-fraction",
                type=_fraction,
                metavar="F",
                help="share of prompts (0-1) written to a second file, NAME.validation.jsonl beside DESTINATION",
            )
            f.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the prompt-level train/validation split")
        if name == "openai":
            f.add_argument(
                "--mode", choices=["sft", "self_correction"], default="sft", help="self_correction keeps the rejected turn with weight 0"
            )
        if name == "trl-sft":
            f.add_argument("--style", choices=["messages", "prompt_completion"], default="messages", help="dataset layout")
        if name == "nemo-trajectories":
            f.add_argument(
                "--min-reward-diff",
                type=_non_negative_float,
                default=0.0,
                metavar="R",
                help="drop groups whose reward spread is below this",
            )
            f.add_argument("--sort-ascending", action="store_true", help="easiest groups last instead of first")
            f.add_argument("--run-id", metavar="ID", help="run_id of the collection (default: the destination's name)")


#: CLI flag -> option name of the exporter functions, for the flags only some formats take.
_FORMAT_OPTIONS = {
    "mode": "mode",
    "style": "style",
    "min_reward_diff": "min_reward_diff",
    "sort_ascending": "sort_ascending",
    "run_id": "run_id",
}


def _export(args: argparse.Namespace) -> int:
    from langchain_semantix.training.exporters import EXPORTERS

    options: dict[str, Any] = {"intent_filter": args.intent, "dedupe": args.dedupe, "progress": sys.stderr.isatty()}
    if getattr(args, "validation_fraction", None) is not None:
        options.update(validation_fraction=args.validation_fraction, seed=args.seed)
    options.update({key: getattr(args, key) for key in _FORMAT_OPTIONS if hasattr(args, key)})
    # a mistyped folder is an error at the command line; the library creates it by default
    result = EXPORTERS[args.format](args.source, args.destination, create_dirs=args.create_dirs, **options)
    print(f"wrote {result.written} examples to {result.destination}")
    if result.validation_destination:
        print(f"wrote {result.validation_written} validation examples to {result.validation_destination}")
    if result.duplicates:
        print(f"dropped {result.duplicates} duplicates")
    if result.skipped:
        print(f"skipped {len(result.skipped)} unreadable records (first: {result.skipped[0]})")
    return EXIT_OK


# --- validate ------------------------------------------------------------------------


def add_validate_parser(subparsers: Subparsers) -> None:
    p = _subparser(subparsers, "validate", "check an OpenAI fine-tuning file before uploading it", _validate, ("file",))
    p.add_argument("file", help="OpenAI chat fine-tuning JSONL")
    p.add_argument("--min-examples", type=_positive_int, default=10, metavar="N", help="fewest examples accepted (OpenAI requires 10)")


def _validate(args: argparse.Namespace) -> int:
    from langchain_semantix.training.openai_format import validate_openai_file

    report = validate_openai_file(args.file, min_examples=args.min_examples)
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_INVALID


# --- calibrate -----------------------------------------------------------------------


def add_calibrate_parser(subparsers: Subparsers) -> None:
    p = _subparser(subparsers, "calibrate", "fit a threshold per intent from scored attempts", _calibrate, ("source", "labelled"))
    p.add_argument("source", nargs="?", help="collector JSONL file or postgresql:// store (or use --labelled)")
    p.add_argument("--method", choices=["midpoint", "youden", "fbeta", "precision"], default="midpoint", help="how the threshold is chosen")
    p.add_argument("--min-samples", type=_positive_int, metavar="N", help="fewest accepted and rejected scores per intent")
    p.add_argument("--beta", type=_positive_float, metavar="B", help="beta of --method fbeta (default: 1)")
    p.add_argument("--target-precision", type=_precision, metavar="P", help="precision --method precision aims for (default: 0.9)")
    p.add_argument("--labelled", metavar="FILE", help="JSONL of {intent, score, label} labelled independently of the judge")
    p.add_argument("--output", "-o", metavar="FILE", help="write a thresholds JSON file")
    p.add_argument(
        "--plot", metavar="PNG", help="write a PNG of score histograms per intent (needs the calibrate extra; .png is added to a bare name)"
    )


def _calibrate_destinations(args: argparse.Namespace) -> tuple[Path | None, Path | None, str]:
    """``--output`` and ``--plot`` (the file really written, and its format), checked before
    anything is read or written: neither may be an input, a folder, a device or the other."""
    from langchain_semantix.training.atomic import check_not_source, check_replaceable, same_file
    from langchain_semantix.training.calibrate import _check_thresholds_destination

    # files only: a postgresql:// source is a string here, or already an open store (see _run)
    inputs = [
        p for p in (args.source, args.labelled) if isinstance(p, (str, os.PathLike)) and p and not str(p).startswith(_CONNECTION_PREFIXES)
    ]
    output = plot = None
    plot_format = ""
    if args.output:
        check_not_source(args.output, *inputs, label="--output ")
        output = _check_thresholds_destination(args.output)
    if args.plot:
        extension = os.path.splitext(args.plot)[1][1:]
        plot = Path(args.plot) if extension else Path(args.plot.rstrip(".") + ".png")  # as matplotlib names a bare one
        check_not_source(plot, *inputs, label="--plot ")
        if Path(args.plot).is_dir():
            raise IsADirectoryError(f"--plot {args.plot} is a directory; give a file name such as {Path(args.plot) / 'calibration.png'}")
        check_replaceable(plot, label="--plot ", example="calibration.png")
        if output is not None and same_file(plot, output):
            raise ValueError(f"--plot {plot} is the --output file too; give each its own file")
        plot_format = extension.lower() or "png"
        formats = _image_formats()
        if plot_format not in formats:
            raise ValueError(
                f"--plot {plot}: .{plot_format} is not an image format matplotlib writes; "
                f"end the name with one of .{', .'.join(sorted(formats))} (e.g. .png)"
            )
    return output, plot, plot_format


def _calibrate(args: argparse.Namespace) -> int:
    from langchain_semantix.training.atomic import commit_all, discard, discarded_on_error, open_writer
    from langchain_semantix.training.calibrate import _create_folder, _thresholds_text, calibration_report
    from langchain_semantix.training.jsonl import AtomicWriter

    output, plot, plot_format = _calibrate_destinations(args)
    report = calibration_report(
        None if args.labelled else args.source,
        args.method,
        min_samples=args.min_samples,
        beta=1.0 if args.beta is None else args.beta,
        target_precision=0.9 if args.target_precision is None else args.target_precision,
        labelled=args.labelled,
    )
    if not report:
        print("no scored records found; nothing to calibrate")
        return EXIT_INVALID
    for name, entry in report.items():
        value = "none" if entry.threshold is None else f"{entry.threshold:.4f}"
        overlap = f"overlap of {entry.n_in_overlap} scores" if entry.overlap else "separated"
        print(f"{name}: threshold {value} ({entry.n_accepted} accepted, {entry.n_rejected} rejected, {overlap}) {entry.note}")
    # both files are made and staged before either replaces anything: a failure leaves neither
    text = _thresholds_text(report) if output is not None else ""
    image = _plot(report, plot_format) if plot is not None else b""
    writers: list[AtomicWriter] = []
    try:
        if plot is not None:
            with discarded_on_error(open_writer(plot)) as staged:
                staged.handle.buffer.write(image)
            writers.append(staged)
        if output is not None:
            _create_folder(output)
            with discarded_on_error(open_writer(output)) as staged:
                staged.handle.write(text)
            writers.append(staged)
    except BaseException:
        discard(*writers)
        raise
    writers.reverse()  # --output first, as it is printed
    commit_all(*writers)
    for writer in writers:
        print(f"saved {writer.path}")  # the file really written (myplot.png for --plot myplot)
    return EXIT_OK


def _image_formats() -> dict[str, str]:
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise ValueError("--plot needs matplotlib: pip install 'langchain-semantix[calibrate]'") from None
    return FigureCanvasBase.get_supported_filetypes()


def _plot(report: dict[str, Any], image_format: str) -> bytes:
    """The histograms as an image file's bytes (``image_format``: png, pdf, svg, ...);
    ``_calibrate_destinations`` has already checked that matplotlib is installed."""
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
    image = io.BytesIO()
    try:
        fig.savefig(image, dpi=100, format=image_format)
    finally:
        plt.close(fig)
    return image.getvalue()


# --- demo ----------------------------------------------------------------------------


def add_demo_parser(subparsers: Subparsers) -> None:
    p = _subparser(subparsers, "demo", "run the offline flywheel demo end to end", _demo)
    p.add_argument(
        "--out", default="demo_output", metavar="DIR", help="folder for the demo's files (created; never one the demo did not create)"
    )
    p.add_argument(
        "--model", metavar="PROVIDER:NAME", help="provider:name for init_chat_model instead of the scripted model (needs its API key)"
    )


def _demo(args: argparse.Namespace) -> int:
    from langchain_semantix.demo import run_demo

    run_demo(args.out, model=args.model)
    return EXIT_OK


# --- wiring --------------------------------------------------------------------------

#: Built-in subcommands, in ``--help`` order.
SUBCOMMANDS: list[Callable[[Subparsers], None]] = [
    add_stats_parser,
    add_export_parser,
    add_validate_parser,
    add_calibrate_parser,
    add_demo_parser,
]


def build_parser(plugin: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, importing nothing beyond the standard library; ``plugin`` names
    the one plugin subcommand whose module is imported to add its real parser."""
    parser = argparse.ArgumentParser(
        prog="langchain-semantix",
        description="Correction pairs from langchain-semantix: stats, export, validate, calibrate, demo.",
        epilog=EXIT_CODES,
        formatter_class=_Formatter,
    )
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title="commands", help="run `COMMAND --help` for its options"
    )
    for add in SUBCOMMANDS:
        add(subparsers)
    for name, (summary, module, function) in PLUGIN_PARSERS.items():
        if name == plugin:
            getattr(importlib.import_module(module), function)(subparsers)
        elif _installed(module):
            stub = subparsers.add_parser(name, help=summary, add_help=False)
            stub.add_argument("rest", nargs=argparse.REMAINDER, help=f"run `{name} --help` for its options")
    return parser


def _installed(module: str) -> bool:
    """Whether ``module`` exists, importing none of it (its parent packages may be heavy)."""
    root, _, rest = module.partition(".")
    spec = importlib.util.find_spec(root)
    if spec is None or not rest:
        return spec is not None
    base = Path(next(iter(spec.submodule_search_locations or []), ""), *rest.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """``validation_fraction`` -> ``--validation-fraction`` for every option of every subcommand."""
    names: dict[str, str] = {}
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
            elif action.option_strings:
                names[action.dest] = max(action.option_strings, key=len)
    names["intent_filter"] = "--intent"
    return names


def _in_cli_terms(message: str, parser: argparse.ArgumentParser) -> str:
    """Library errors name Python keywords; say the flag instead. Only the three forms the
    library writes are rewritten, a keyword standing as a word of its own: ``pass
    create_dirs=True``, ``validation_fraction must be ...`` and ``check intent_filter``.
    Anything else, a file path above all (``/data/run_id/x.jsonl``) or a record's field, is
    left as it is."""
    for keyword, flag in _flag_names(parser).items():
        if "_" in keyword:
            standing = rf"(?<![^\s(`'\"]){keyword}(?:=True(?![^\s.,;:)`'\"])|(?= must\b))"
            message = re.sub(rf"{standing}|(?<=\bcheck ){keyword}(?![\w/.])", flag, message)
    return message


def _misplaced_flag(extras: list[str], args: argparse.Namespace, parser: argparse.ArgumentParser) -> str | None:
    """Name the formats a flag belongs to when it was given to an export format that does not take it."""
    if getattr(args, "command", None) != "export":
        return None
    owners: dict[str, list[str]] = {}
    for fmt, fmt_parser in _subparsers_of(_subparsers_of(parser)["export"]).items():
        for action in fmt_parser._actions:
            for flag in action.option_strings:
                owners.setdefault(flag, []).append(fmt)
    for extra in extras:
        flag = extra.split("=", 1)[0]
        if flag in owners:
            return f"{flag} is not an option of 'export {args.format}'; it applies to: {', '.join(owners[flag])}"
    return None


def _subparsers_of(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _method_flags(args: argparse.Namespace) -> str | None:
    """``--beta`` and ``--target-precision`` mean something for one calibration method each."""
    if args.command != "calibrate":
        return None
    for flag, dest, method in (("--beta", "beta", "fbeta"), ("--target-precision", "target_precision", "precision")):
        if getattr(args, dest) is not None and args.method != method:
            return f"{flag} applies to --method {method} only (got --method {args.method})"
    return None


class _CappedWarnings:
    """Prints the first :data:`MAX_WARNINGS_SHOWN` warnings of each kind, then only counts them."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def show(self, message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        name = category.__name__
        self.counts[name] = self.counts.get(name, 0) + 1
        if self.counts[name] <= MAX_WARNINGS_SHOWN:
            print(f"warning: {message}", file=sys.stderr)

    def summary(self) -> None:
        for name, count in self.counts.items():
            if count > MAX_WARNINGS_SHOWN:
                print(f"warning: {count - MAX_WARNINGS_SHOWN} more {name} warnings not shown ({count} in all)", file=sys.stderr)


def _found_nothing(exc: BaseException) -> bool:
    """Whether ``exc`` says an export found nothing to write (exit 1: the command ran and found a problem)."""
    exporters = sys.modules.get("langchain_semantix.training.exporters")
    return exporters is not None and isinstance(exc, exporters.NothingToExportError)


def _detach_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (captured): nothing will flush to the pipe


def _run(args: argparse.Namespace) -> int:
    if str(getattr(args, "source", "")).startswith(_CONNECTION_PREFIXES):
        from langchain_semantix.training.postgres import open_cli_specs

        with open_cli_specs(args):  # a postgresql:// source is read as a store
            return int(args.func(args))
    return int(args.func(args))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``langchain-semantix --help``).

    No input, environment or interruption makes it print a traceback: errors are one
    ``error: ...`` line naming the problem and the fix (``SEMANTIX_DEBUG=1`` shows the
    traceback of an unexpected one), warnings are capped per kind.
    """
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if args.command in PLUGIN_PARSERS:
        parser = build_parser(plugin=args.command)
        args, extras = parser.parse_known_args(argv)
    if extras:
        parser.error(_misplaced_flag(extras, args, parser) or f"unrecognized arguments: {' '.join(extras)}")
    if args.command == "calibrate" and not (args.source or args.labelled):
        parser.error("calibrate needs a source file or --labelled FILE")
    misplaced = _method_flags(args)
    if misplaced:
        parser.error(misplaced)
    missing = _missing_input(args)
    if missing:
        print(f"error: {missing}; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    capped = _CappedWarnings()
    with warnings.catch_warnings():
        warnings.showwarning = capped.show
        try:
            return _run(args)
        except BrokenPipeError:
            _detach_stdout()  # the reader left (`... | head`): stop quietly, like other Unix tools
            return EXIT_OK
        except (OSError, ValueError) as exc:
            print(f"error: {_in_cli_terms(str(exc), parser)}", file=sys.stderr)
            return EXIT_INVALID if _found_nothing(exc) else EXIT_USAGE
        except KeyboardInterrupt:
            print("interrupted; no output file was replaced (exports write atomically)", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            if os.environ.get(DEBUG_ENV_VAR):
                raise
            print(
                f"error: unexpected {type(exc).__name__}: {exc}. This is a bug: rerun with {DEBUG_ENV_VAR}=1 "
                "to see the traceback, and report it",
                file=sys.stderr,
            )
            return EXIT_INTERNAL
        finally:
            capped.summary()


if __name__ == "__main__":
    sys.exit(main())

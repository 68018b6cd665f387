"""The command line under bad input and failures: one error line, the documented exit code, no traceback."""

from __future__ import annotations

import argparse
import json
import math
import re

import pytest

from langchain_semantix import cli
from langchain_semantix.cli import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_USAGE, main
from langchain_semantix.training import exporters
from tests.unit_tests.training._data import rec, write
from tests.unit_tests.training.test_atomic import full_disk, temp_files


@pytest.fixture
def source(tmp_path):
    return write(tmp_path / "c.jsonl", [rec(i) for i in range(6)])


def _raising(exc):
    def export(*args, **kwargs):
        raise exc

    return export


def test_ctrl_c_exits_130_without_a_traceback(tmp_path, source, monkeypatch, capsys):
    monkeypatch.setitem(exporters.EXPORTERS, "openai", _raising(KeyboardInterrupt()))
    assert main(["export", "openai", str(source), str(tmp_path / "o.jsonl")]) == EXIT_INTERRUPTED == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err


def test_an_unexpected_error_is_one_line_with_exit_3(tmp_path, source, monkeypatch, capsys):
    monkeypatch.delenv(cli.DEBUG_ENV_VAR, raising=False)
    monkeypatch.setitem(exporters.EXPORTERS, "openai", _raising(RuntimeError("boom")))
    assert main(["export", "openai", str(source), str(tmp_path / "o.jsonl")]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "unexpected RuntimeError: boom" in err and "SEMANTIX_DEBUG=1" in err and "Traceback" not in err
    monkeypatch.setenv(cli.DEBUG_ENV_VAR, "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["export", "openai", str(source), str(tmp_path / "o.jsonl")])


def test_warnings_are_capped_per_kind(tmp_path, capsys):
    bad = write(tmp_path / "bad.jsonl", ["not json"] * 60 + [json.dumps(rec(0))])
    assert main(["stats", str(bad)]) == 0
    err = capsys.readouterr().err.splitlines()
    shown = [line for line in err if line.startswith("warning: ") and "skipped corrupt line" in line]
    assert len(shown) == cli.MAX_WARNINGS_SHOWN
    assert f"warning: {60 - cli.MAX_WARNINGS_SHOWN} more CorruptLineWarning warnings not shown (60 in all)" in err


def test_an_unknown_intent_is_named_with_the_intents_there(tmp_path, source, capsys):
    assert main(["export", "openai", str(source), str(tmp_path / "o.jsonl"), "--intent", "Politeness"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "no records of intent 'Politeness'" in err and "(its intents: Polite)" in err and "--intent" in err
    assert main(["export", "openai", str(source), str(tmp_path / "o.jsonl"), "--intent", "Polite"]) == 0


def test_a_full_disk_is_an_input_error_and_keeps_the_old_file(tmp_path, source, monkeypatch, capsys):
    destination = tmp_path / "o.jsonl"
    destination.write_text("previous\n")
    full_disk(monkeypatch, limit=50)
    assert main(["export", "openai", str(source), str(destination)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "No space left on device; free some disk space" in err and "Traceback" not in err
    assert destination.read_text() == "previous\n" and temp_files(tmp_path) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--method", "midpoint", "--beta", "2"],
        ["--method", "youden", "--target-precision", "0.8"],
        ["--method", "fbeta", "--beta", "0"],
        ["--method", "fbeta", "--beta", "nan"],
    ],
)
def test_calibrate_options_that_mean_nothing_or_are_out_of_range_are_usage_errors(source, args, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["calibrate", str(source), *args])
    assert exit_.value.code == EXIT_USAGE and "Traceback" not in capsys.readouterr().err


def test_calibrate_output_onto_a_folder_is_refused(tmp_path, source, capsys):
    assert main(["calibrate", str(source), "--output", str(tmp_path)]) == EXIT_USAGE
    assert "is a directory; give a file name" in capsys.readouterr().err


def test_nemo_min_reward_diff_nan_is_a_usage_error(tmp_path, source):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "nemo-trajectories", str(source), str(tmp_path / "t.json"), "--min-reward-diff", "nan"])
    assert exit_.value.code == EXIT_USAGE


@pytest.mark.parametrize("argv", [["judge", "eval", "--help"], ["judge", "train", "--help"], ["copy", "--help"]])
def test_plugin_subcommands_document_exit_codes(argv, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    out = capsys.readouterr().out
    assert "exit codes:" in out and "130  interrupted" in out


def test_judge_train_refuses_zero_epochs_before_training(tmp_path, capsys):
    labels = tmp_path / "l.jsonl"
    labels.write_text(json.dumps({"requirement": "r", "output": "o", "label": True}) + "\n")
    with pytest.raises(SystemExit) as exit_:
        main(["judge", "train", str(labels), "-o", str(tmp_path / "j"), "--epochs", "0"])
    assert exit_.value.code == EXIT_USAGE and not (tmp_path / "j").exists()


def test_copy_into_a_path_under_a_file_fails_at_once(tmp_path, source, capsys):
    (tmp_path / "afile").write_text("x")
    assert main(["copy", str(source), str(tmp_path / "afile" / "c.jsonl")]) == EXIT_USAGE
    assert "afile" in capsys.readouterr().err


def test_a_closed_pipe_on_stdout_ends_quietly(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    source = write(tmp_path / "c.jsonl", [rec(i, intent=f"Intent{i}") for i in range(3000)])
    root = Path(__file__).resolve().parents[2]
    reader = subprocess.Popen(
        [sys.executable, "-m", "langchain_semantix", "stats", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
    )
    assert reader.stdout is not None
    reader.stdout.readline()
    reader.stdout.close()  # like `| head -1`
    _, err = reader.communicate(timeout=60)
    assert reader.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err


@pytest.mark.parametrize(
    "bounds,good,bad,message",
    [
        ((0.0, 1.0, True, True), ["0.5", "1e-3"], ["0", "1", "nan", "-0.1"], "is not between 0 and 1 (exclusive), e.g. 0.1"),
        ((0.0, 1.0, False, True), ["0", "0.99"], ["1", "nan", "-1"], "is not in [0, 1), e.g. 0.1"),
        ((0.0, math.inf, True, True), ["3", "1e-9"], ["0", "inf", "nan"], "is not a finite number above 0, e.g. 0.1"),
        ((0.0, math.inf, False, True), ["0", "7.5"], ["-1e-9", "inf", "nan"], "is not a finite number >= 0, e.g. 0.1"),
    ],
)
def test_bounded_float_accepts_its_range_and_names_it_otherwise(bounds, good, bad, message):
    low, high, low_open, high_open = bounds
    parse = cli.bounded_float(low, high, low_open=low_open, high_open=high_open, example="0.1")
    assert [parse(text) for text in good] == [float(text) for text in good]
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
            parse(text)
    with pytest.raises(argparse.ArgumentTypeError, match="'x' is not a number"):
        parse("x")

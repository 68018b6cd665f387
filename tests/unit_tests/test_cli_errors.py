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


@pytest.mark.parametrize("intent", ["", "  "])
def test_a_blank_intent_flag_is_named_as_the_flag(tmp_path, source, intent, capsys):
    assert main(["export", "openai", str(source), str(tmp_path / "o.jsonl"), "--intent", intent]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: --intent must name an intent") and "intent_filter" not in err
    assert not (tmp_path / "o.jsonl").exists()


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


def _labelled(path, scores):
    path.write_text("".join(json.dumps({"intent": "A", "score": s, "label": y}) + "\n" for s, y in scores))
    return path


@pytest.mark.parametrize(
    "argv",
    [
        lambda src, lab: ["calibrate", str(src), "--output", str(src)],
        lambda src, lab: ["calibrate", str(src), "--output", str(src.parent / "." / src.name)],
        lambda src, lab: ["calibrate", "--labelled", str(lab), "--output", str(lab)],
        lambda src, lab: ["calibrate", str(src), "--plot", str(src)],
        lambda src, lab: ["calibrate", "--labelled", str(lab), "--output", str(src.parent / "t.json"), "--plot", str(lab)],
    ],
)
def test_calibrate_never_writes_over_its_input(tmp_path, source, argv, capsys):
    labelled = _labelled(tmp_path / "l.jsonl", [(0.9, True), (0.1, False)])
    before = {path: path.read_bytes() for path in (source, labelled)}
    assert main(argv(source, labelled)) == EXIT_USAGE
    assert "is the source itself; choose another destination" in capsys.readouterr().err
    assert {path: path.read_bytes() for path in before} == before
    assert not (tmp_path / "t.json").exists() and temp_files(tmp_path) == []


def test_calibrate_checks_both_destinations_before_writing_either(tmp_path, source, capsys):
    output = tmp_path / "t.json"
    for plot, message in (
        (tmp_path / "no" / "p.png", f"could not write {tmp_path / 'no' / 'p.png'}: No such file or directory"),
        (tmp_path / "p.txt", ".txt is not an image format matplotlib writes; end the name with one of"),
    ):
        assert main(["calibrate", str(source), "--output", str(output), "--plot", str(plot)]) == EXIT_USAGE
        assert message in capsys.readouterr().err
        assert not output.exists() and not plot.exists() and temp_files(tmp_path) == []
    assert main(["calibrate", str(source), "--output", str(tmp_path / "t.png"), "--plot", str(tmp_path / "t.png")]) == EXIT_USAGE
    assert "is the --output file too; give each its own file" in capsys.readouterr().err and not (tmp_path / "t.png").exists()


def test_calibrate_plot_prints_the_file_it_wrote_and_refuses_a_folder(tmp_path, source, capsys):
    assert main(["calibrate", str(source), "--plot", str(tmp_path / "myplot")]) == 0
    assert f"saved {tmp_path / 'myplot.png'}\n" in capsys.readouterr().out and (tmp_path / "myplot.png").is_file()
    (tmp_path / "outdir").mkdir()
    assert main(["calibrate", str(source), "--plot", str(tmp_path / "outdir")]) == EXIT_USAGE
    assert f"--plot {tmp_path / 'outdir'} is a directory; give a file name such as" in capsys.readouterr().err
    assert not (tmp_path / "outdir.png").exists()


@pytest.mark.parametrize("folder", ["/proc/nope", "/sys/nope"])
def test_calibrate_output_in_a_folder_that_cannot_be_made_names_the_path(source, folder, capsys):
    if not cli.os.path.isdir(cli.os.path.dirname(folder)):
        pytest.skip(f"no {cli.os.path.dirname(folder)} here")
    assert main(["calibrate", str(source), "--output", f"{folder}/t.json"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"error: could not write {folder}/t.json: " in err and "[Errno" not in err


def test_calibrate_output_never_replaces_a_file_of_another_kind(tmp_path, source, capsys):
    other = write(tmp_path / "other.jsonl", [rec(1)])
    before = other.read_bytes()
    assert main(["calibrate", str(source), "--output", str(other)]) == EXIT_USAGE
    assert "exists and is not a thresholds file" in capsys.readouterr().err and other.read_bytes() == before


def test_calibrate_scores_outside_0_1_are_named_as_such(tmp_path, capsys):
    labelled = _labelled(tmp_path / "l.jsonl", [(5, True), (3, False)])
    assert main(["calibrate", "--labelled", str(labelled), "--output", str(tmp_path / "t.json")]) == EXIT_USAGE
    assert "the scores of A must be between 0 and 1" in capsys.readouterr().err and not (tmp_path / "t.json").exists()


def test_calibrate_target_precision_takes_what_the_library_takes(tmp_path, capsys):
    labelled = _labelled(tmp_path / "l.jsonl", [(0.9, True)] * 5 + [(0.1, False)] * 5)
    assert main(["calibrate", "--labelled", str(labelled), "--method", "precision", "--target-precision", "1"]) == 0
    assert "A: threshold 0.9000" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["calibrate", "--labelled", str(labelled), "--method", "precision", "--target-precision", "1.01"])
    assert "is not in (0, 1], e.g. 0.9" in capsys.readouterr().err


def test_flag_names_are_never_put_into_a_path(tmp_path, source, capsys):
    parser = cli.build_parser()
    for message in (
        "could not write /proc/run_id/x.jsonl: nope",
        "could not write run_id/create_dirs=True/x.jsonl",
        "skipped: run_id: bad",
    ):
        assert cli._in_cli_terms(message, parser) == message
    assert (
        cli._in_cli_terms("min_samples must be >= 1; or pass create_dirs=True.", parser)
        == "--min-samples must be >= 1; or pass --create-dirs."
    )
    destination = tmp_path / "run_id" / "min_samples" / "x.jsonl"
    (tmp_path / "run_id").write_text("a file where a folder should be")
    assert main(["export", "generic", str(source), str(destination), "--create-dirs"]) == EXIT_USAGE
    assert f"could not write {destination}" in capsys.readouterr().err

"""Exporters against bad input and failing disks: clear errors, nothing half-written, nothing lost."""

from __future__ import annotations

import json
import os
import stat
import warnings

import pytest

from langchain_semantix.training.exporters import EXPORTERS, NothingToExportError, export_nemo_trajectories, export_openai
from langchain_semantix.training.jsonl import CorruptLineWarning
from tests.unit_tests.training._data import rec, write
from tests.unit_tests.training.test_atomic import full_disk, temp_files

FORMATS = sorted(EXPORTERS)


def _destination(tmp_path, fmt):
    return tmp_path / ("out.json" if fmt == "nemo-trajectories" else "out.jsonl")


@pytest.mark.parametrize("fmt", FORMATS)
def test_full_disk_keeps_the_previous_export_and_leaves_no_temp_file(tmp_path, monkeypatch, fmt):
    source = write(tmp_path / "c.jsonl", [rec(i) for i in range(50)])
    destination = _destination(tmp_path, fmt)
    destination.write_text("previous export\n")
    full_disk(monkeypatch, limit=200)
    with pytest.raises(OSError, match=f"could not write {destination}: No space left on device; free some disk space"):
        EXPORTERS[fmt](source, destination)
    assert destination.read_text() == "previous export\n"
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_records_with_lone_surrogates_are_skipped_and_counted(tmp_path, fmt):
    bad = json.dumps(rec(1, prompt=False)).replace("good 1", "good \\ud800 1")  # a stored broken escape
    source = write(tmp_path / "c.jsonl", [rec(0), bad, rec(2)])
    with pytest.warns(CorruptLineWarning, match="lone surrogate"):
        result = EXPORTERS[fmt](source, _destination(tmp_path, fmt))
    assert len(result.skipped) == 1 and "UTF-8 cannot store" in result.skipped[0]
    assert result.written >= 1
    text = result.destination.read_text(encoding="utf-8")
    assert "good 0" in text and "good 2" in text and "\\ud800" not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_argument_types_name_the_argument(tmp_path, fmt):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    with pytest.raises(TypeError, match="destination must be a file path"):
        EXPORTERS[fmt](source, None)
    with pytest.raises(TypeError, match="intent_filter must be an intent name"):
        EXPORTERS[fmt](source, _destination(tmp_path, fmt), intent_filter=3)
    with pytest.raises(IsADirectoryError, match="source .* is a directory"):
        EXPORTERS[fmt](tmp_path, _destination(tmp_path, fmt))
    assert not _destination(tmp_path, fmt).exists()


@pytest.mark.parametrize("value", ["0.1", float("nan"), True, 1.0])
def test_validation_fraction_is_checked(tmp_path, value):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    with pytest.raises(ValueError, match="validation_fraction must be a number between 0 and 1"):
        export_openai(source, tmp_path / "o.jsonl", validation_fraction=value)


@pytest.mark.parametrize("value", [float("nan"), -0.1, "0.1", float("inf")])
def test_min_reward_diff_is_checked(tmp_path, value):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    with pytest.raises(ValueError, match="min_reward_diff must be a finite number >= 0"):
        export_nemo_trajectories(source, tmp_path / "t.json", min_reward_diff=value)


def test_a_file_in_place_of_the_destination_folder_is_named(tmp_path):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match="afile"):
        export_openai(source, tmp_path / "afile" / "o.jsonl")


def test_a_clean_export_takes_the_fast_path_and_warns_nothing(tmp_path):
    source = write(tmp_path / "c.jsonl", [rec(i) for i in range(5)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = export_openai(source, tmp_path / "o.jsonl")
    assert result.written == 5 and result.skipped == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_pipes_are_refused_as_source_and_destination_without_blocking(tmp_path, fmt):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(ValueError, match="source .*pipe is not a regular file"):
        EXPORTERS[fmt](pipe, _destination(tmp_path, fmt))  # opening it to read would wait for a writer
    with pytest.raises(ValueError, match="destination .*pipe is not a regular file"):
        EXPORTERS[fmt](source, pipe)  # replacing it would swap a device node for a file
    assert stat.S_ISFIFO(pipe.stat().st_mode) and temp_files(tmp_path) == []


def test_a_validation_destination_that_is_a_folder_fails_before_writing(tmp_path):
    source = write(tmp_path / "c.jsonl", [rec(i) for i in range(20)])
    (tmp_path / "o.validation.jsonl").mkdir()
    with pytest.raises(IsADirectoryError, match="o.validation.jsonl is a directory"):
        export_openai(source, tmp_path / "o.jsonl", validation_fraction=0.5)
    assert not (tmp_path / "o.jsonl").exists() and temp_files(tmp_path) == []


# -- an export that finds nothing keeps the previous one ------------------------------

PREVIOUS = "previous export\n"
#: A labelled-scores file (calibrate's input): every line is valid JSON but no record.
SCORES = [{"intent": "Polite", "score": 0.3, "label": True}, {"intent": "Polite", "score": 0.8, "label": False}]


def _previous(tmp_path, fmt, split):
    """The destinations of an earlier export, which an export that finds nothing must keep."""
    destination = _destination(tmp_path, fmt)
    destination.write_text(PREVIOUS)
    validation = destination.with_name(f"{destination.stem}.validation{destination.suffix}")
    if split:
        validation.write_text(PREVIOUS)
    return destination, validation, ({"validation_fraction": 0.5} if split else {})


def _split_cases():
    return [(fmt, split) for fmt in FORMATS for split in (False, True) if not (split and fmt == "nemo-trajectories")]


@pytest.mark.parametrize(("fmt", "split"), _split_cases())
def test_an_intent_that_matches_no_record_keeps_the_previous_export(tmp_path, fmt, split):
    source = write(tmp_path / "c.jsonl", [rec(i) for i in range(6)] + [rec(6, intent="Concise")])
    destination, validation, options = _previous(tmp_path, fmt, split)
    with pytest.raises(
        NothingToExportError, match=r"no records of intent 'Politee' in .*c.jsonl \(its intents: Concise, Polite\)"
    ) as error:
        EXPORTERS[fmt](source, destination, intent_filter="Politee", **options)
    assert isinstance(error.value, ValueError) and "check intent_filter" in str(error.value)
    assert f"{destination} was left as it was" in str(error.value) or f"{destination} and {validation} were left" in str(error.value)
    assert destination.read_text() == PREVIOUS
    assert validation.read_text() == PREVIOUS if split else not validation.exists()
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize(("fmt", "split"), _split_cases())
def test_a_source_of_only_invalid_lines_keeps_the_previous_export(tmp_path, fmt, split):
    source = write(tmp_path / "scores.jsonl", SCORES + [""])
    destination, validation, options = _previous(tmp_path, fmt, split)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptLineWarning)
        with pytest.raises(NothingToExportError, match=r"nothing to export from .*scores.jsonl: every record in it was skipped") as error:
            EXPORTERS[fmt](source, destination, **options)
    message = str(error.value)
    assert "2 skipped; first: " in message and "scores.jsonl:1" in message and "give the JSONL file the collector writes" in message
    assert destination.read_text() == PREVIOUS
    assert validation.read_text() == PREVIOUS if split else not validation.exists()
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_records_the_format_cannot_hold_at_all_keep_the_previous_export(tmp_path, fmt):
    image_only = {**rec(0), "prompt_messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}
    source = write(tmp_path / "c.jsonl", [image_only])
    destination, _, _ = _previous(tmp_path, fmt, False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptLineWarning)
        if fmt in ("nemo-dpo", "nemo-trajectories"):  # NeMo takes text only: the one record is skipped
            with pytest.raises(NothingToExportError, match="every record in it was skipped"):
                EXPORTERS[fmt](source, destination)
            assert destination.read_text() == PREVIOUS
        else:
            assert EXPORTERS[fmt](source, destination).total >= 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_source_still_gives_an_empty_export_but_not_with_an_intent(tmp_path, fmt):
    source = write(tmp_path / "c.jsonl", [])
    destination, _, _ = _previous(tmp_path, fmt, False)
    with pytest.raises(NothingToExportError, match=r"no records of intent 'Polite' in .*\(its intents: none: it holds no records\)"):
        EXPORTERS[fmt](source, destination, intent_filter="Polite")
    assert destination.read_text() == PREVIOUS
    result = EXPORTERS[fmt](source, destination)  # as before: an empty export replaces the previous one
    assert result.total == 0 and result.skipped == []
    assert destination.read_text() in ("", '{"run_id": "out", "trajectories": []}\n')


@pytest.mark.parametrize("fmt", ["openai-preference", "trl-dpo", "nemo-dpo"])
def test_records_with_no_pair_still_give_an_empty_preference_export(tmp_path, fmt):
    # valid records of the intent asked for, none with a rejected answer, and one invalid line:
    # the export is right to be empty, so it is written
    no_pair = {**rec(0), "rejected_output": None, "rejected_score": None, "rejected_reason": None}
    no_pair.pop("prompt_messages")
    source = write(tmp_path / "c.jsonl", [no_pair, "not json"])
    destination, _, _ = _previous(tmp_path, fmt, False)
    with pytest.warns(CorruptLineWarning):
        result = EXPORTERS[fmt](source, destination, intent_filter="Polite")
    assert result.total == 0 and len(result.skipped) == 1
    assert destination.read_text() == ""


def test_some_invalid_lines_beside_valid_records_are_skipped_as_before(tmp_path):
    source = write(tmp_path / "c.jsonl", [SCORES[0], rec(1)])
    with pytest.warns(CorruptLineWarning):
        result = export_openai(source, tmp_path / "o.jsonl")
    assert result.written == 1 and len(result.skipped) == 1


def test_the_cli_keeps_the_previous_export_for_a_mistyped_intent(tmp_path, capsys):
    from langchain_semantix.cli import main

    source = write(tmp_path / "base.jsonl", [rec(i) for i in range(6)])
    destination = tmp_path / "prev.jsonl"
    assert main(["export", "openai", str(source), str(destination)]) == 0
    before = destination.read_bytes()
    assert len(before.splitlines()) == 6
    assert main(["export", "openai", str(source), str(destination), "--intent", "Politee"]) != 0
    err = capsys.readouterr().err
    assert "error: no records of intent 'Politee'" in err and "(its intents: Polite)" in err and "check --intent" in err
    assert destination.read_bytes() == before
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptLineWarning)
        assert main(["export", "openai", str(write(tmp_path / "scores.jsonl", SCORES)), str(destination)]) != 0
    assert "every record in it was skipped" in capsys.readouterr().err
    assert destination.read_bytes() == before and temp_files(tmp_path) == []


# -- arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("blank", ["", "   ", "\t\n", "\u3000"])
def test_a_blank_intent_filter_is_refused_not_taken_for_every_intent(tmp_path, fmt, blank):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    with pytest.raises(
        ValueError, match="intent_filter must name an intent, but it is (empty|only whitespace).*give an intent name such as 'Polite'"
    ):
        EXPORTERS[fmt](source, _destination(tmp_path, fmt), intent_filter=blank)
    assert not _destination(tmp_path, fmt).exists()


@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - {"nemo-trajectories"}))
def test_an_unknown_keyword_names_the_public_function(tmp_path, fmt):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    name = EXPORTERS[fmt].__name__
    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'foo'; it takes .*dedupe") as error:
        EXPORTERS[fmt](source, tmp_path / "o.jsonl", foo=1)
    assert "_export" not in str(error.value)
    assert not (tmp_path / "o.jsonl").exists()


def test_an_unknown_keyword_lists_the_format_s_own_options(tmp_path):
    with pytest.raises(TypeError, match=r"export_openai\(\) .* it takes intent_filter, mode, dedupe, validation_fraction"):
        export_openai(tmp_path / "c.jsonl", tmp_path / "o.jsonl", modes="sft")


@pytest.mark.parametrize("run_id", [object(), 5, b"run", ["a"]])
def test_run_id_must_be_a_string(tmp_path, run_id):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    with pytest.raises(TypeError, match=r"run_id must be the collection's name \(a str\), or None"):
        export_nemo_trajectories(source, tmp_path / "t.json", run_id=run_id)
    assert not (tmp_path / "t.json").exists()
    assert json.loads(export_nemo_trajectories(source, tmp_path / "t.json", run_id="r1").destination.read_text())["run_id"] == "r1"


BIG = "a" * 5_000_000


@pytest.mark.parametrize(
    "arguments",
    [
        {"validation_fraction": BIG},
        {"intent_filter": BIG.encode()},
        {"destination": BIG.encode()},
        {"intent_filter": " " * 5_000_000},
    ],
    ids=["validation_fraction", "intent_filter-bytes", "destination-bytes", "intent_filter-blank"],
)
def test_errors_do_not_embed_huge_values(tmp_path, arguments):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    arguments = {"destination": tmp_path / "o.jsonl", **arguments}
    with pytest.raises((TypeError, ValueError)) as error:
        export_openai(source, **arguments)
    assert len(str(error.value)) < 400


def test_huge_intent_names_and_filter_are_cut_in_the_no_match_error(tmp_path):
    source = write(tmp_path / "c.jsonl", [rec(0, intent="x" * 100_000)])
    with pytest.raises(NothingToExportError) as error:
        export_openai(source, tmp_path / "o.jsonl", intent_filter="y" * 100_000)
    assert len(str(error.value)) < 1000


def test_min_reward_diff_error_does_not_embed_a_huge_value(tmp_path):
    with pytest.raises(ValueError, match="min_reward_diff") as error:
        export_nemo_trajectories(tmp_path / "c.jsonl", tmp_path / "t.json", min_reward_diff=BIG)
    assert len(str(error.value)) < 400


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_folder_that_refuses_files_is_named_as_such(tmp_path, fmt):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    with pytest.raises(OSError, match=r"could not write /proc/x.json.*; the folder /proc exists but its file system refuses") as error:
        EXPORTERS[fmt](source, "/proc/" + _destination(tmp_path, fmt).name.replace("out", "x"))
    assert "create the folder first" not in str(error.value)


@pytest.mark.parametrize("which", ["source", "destination", "destination folder"])
def test_a_path_too_long_for_the_file_system_is_cut_in_the_error(tmp_path, which):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    long = "a" * 1_000_000
    arguments = {
        "source": (tmp_path / long, tmp_path / "o.jsonl"),
        "destination": (source, tmp_path / long),
        "destination folder": (source, tmp_path / long / "o.jsonl"),
    }[which]
    with pytest.raises(
        OSError, match=r"^the path '.*\.\.\. is too long for the file system \(File name too long\); choose a shorter path$"
    ) as error:
        export_openai(*arguments)
    assert len(str(error.value)) < 300 and temp_files(tmp_path) == []


def test_a_temp_file_name_too_long_for_the_file_system_says_so(tmp_path):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    destination = tmp_path / ("d" * 240 + ".jsonl")  # the name fits; the temp file's beside it does not
    try:
        destination.write_text(PREVIOUS)
    except OSError:
        pytest.skip("this file system takes shorter names")
    with pytest.raises(OSError, match=r"could not write .*d{10}.*: File name too long; choose a shorter path") as error:
        export_openai(source, destination)
    assert len(str(error.value)) < 600 and destination.read_text() == PREVIOUS

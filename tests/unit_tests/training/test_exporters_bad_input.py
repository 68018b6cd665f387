"""Exporters against bad input and failing disks: clear errors, nothing half-written, nothing lost."""

from __future__ import annotations

import json
import os
import stat
import warnings

import pytest

from langchain_semantix.training.exporters import EXPORTERS, export_nemo_trajectories, export_openai
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

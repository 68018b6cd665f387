"""copy_records under bad input: fails before reading, never onto itself, skips what it cannot store."""

from __future__ import annotations

import json
import os

import pytest

from langchain_semantix.training.copy import copy_records
from langchain_semantix.training.jsonl import CorruptLineWarning, NotARegularFileError
from tests.unit_tests.training._data import rec, write


def test_a_destination_that_cannot_be_written_fails_before_reading(tmp_path):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match="afile is not a folder"):
        copy_records(source, tmp_path / "afile" / "out.jsonl")


def test_copy_onto_itself_is_refused_and_the_source_is_intact(tmp_path):
    source = write(tmp_path / "c.jsonl", [rec(i) for i in range(3)])
    before = source.read_bytes()
    with pytest.raises(ValueError, match="is the source itself"):
        copy_records(source, source)
    assert source.read_bytes() == before


def test_a_missing_source_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.jsonl does not exist"):
        copy_records(tmp_path / "missing.jsonl", tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()


def test_unreadable_and_unstorable_records_are_skipped_with_file_and_line(tmp_path):
    surrogate = json.dumps(rec(2)).replace("good 2", "good \\udc80 2")
    source = write(tmp_path / "c.jsonl", [rec(0), "not json", surrogate, {"x": 1}, rec(4)])
    with pytest.warns(CorruptLineWarning):
        result = copy_records(source, tmp_path / "out.jsonl")
    assert result.copied == 2
    assert [s.split(": skipped")[0] for s in result.skipped] == [f"{source}:{n}" for n in (2, 3, 4)]
    assert "lone surrogate" in result.skipped[1]
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2


def test_a_fifo_source_is_named_as_such_and_never_opened(tmp_path):
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(
        NotARegularFileError, match=r"the source .*fifo.jsonl is not a regular file \(a FIFO, device or socket\); give the JSONL"
    ):
        copy_records(fifo, tmp_path / "x.jsonl")  # reading it would block until a writer came
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("name", ["records", "records.jsonl"])
def test_a_directory_source_is_named_as_such(tmp_path, name):
    (tmp_path / name).mkdir()
    with pytest.raises(IsADirectoryError, match=rf"the source .*{name} is a directory, not a file; give the JSONL file"):
        copy_records(tmp_path / name, tmp_path / "x.jsonl")
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("batch_size", ["5", None, 2.0, True, b"x" * 5_000_000])
def test_a_batch_size_of_the_wrong_type_names_batch_size(tmp_path, batch_size):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    with pytest.raises(TypeError, match=r"batch_size must be a whole number of records \(an int >= 1, e.g. 500\), got") as error:
        copy_records(source, tmp_path / "x.jsonl", batch_size=batch_size)
    assert len(str(error.value)) < 300 and not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("batch_size", [0, -3])
def test_a_batch_size_below_one_is_refused(tmp_path, batch_size):
    with pytest.raises(ValueError, match=f"batch_size must be at least 1 .*got {batch_size}"):
        copy_records(write(tmp_path / "c.jsonl", [rec(0)]), tmp_path / "x.jsonl", batch_size=batch_size)


def test_the_copy_command_says_what_the_source_is(tmp_path, capsys):
    from langchain_semantix.cli import main

    os.mkfifo(tmp_path / "fifo.jsonl")
    (tmp_path / "dir.jsonl").mkdir()
    for name, what in [("fifo.jsonl", "is not a regular file (a FIFO"), ("dir.jsonl", "is a directory"), ("none.jsonl", "does not exist")]:
        assert main(["copy", str(tmp_path / name), str(tmp_path / "x.jsonl")]) == 2
        err = capsys.readouterr().err
        assert f"{name} {what}" in err and "give the JSONL file the collector writes (or a postgresql:// connection string)" in err
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("which", ["source", "destination"])
def test_a_path_too_long_for_the_file_system_is_cut_in_the_error(tmp_path, which):
    source = write(tmp_path / "c.jsonl", [rec(0)])
    long = tmp_path / ("a" * 1_000_000)
    with pytest.raises(OSError, match=r"is too long for the file system \(File name too long\); choose a shorter path$") as error:
        copy_records(long, tmp_path / "x.jsonl") if which == "source" else copy_records(source, long)
    assert len(str(error.value)) < 300

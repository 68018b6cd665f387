"""copy_records under bad input: fails before reading, never onto itself, skips what it cannot store."""

from __future__ import annotations

import json

import pytest

from langchain_semantix.training.copy import copy_records
from langchain_semantix.training.jsonl import CorruptLineWarning
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

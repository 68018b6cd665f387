"""TrainingDataLogger's arguments are checked when it is made, and log() refuses what it cannot store."""

from __future__ import annotations

import pytest

from langchain_semantix.training.logger import TrainingDataLogger
from langchain_semantix.training.records import RecordError


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"run_metadata": ["a"]}, TypeError, "run_metadata must be a dict"),
        ({"redact": "secret"}, TypeError, "redact must be a function"),
        ({"lock_timeout": -1}, ValueError, "lock_timeout must be a number of seconds above 0"),
        ({"lock_timeout": float("nan")}, ValueError, "lock_timeout"),
    ],
)
def test_constructor_arguments_are_checked(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        TrainingDataLogger(tmp_path / "l.jsonl", **kwargs)


def test_a_connection_string_is_refused_and_nothing_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="PostgreSQL connection string; TrainingDataLogger writes a JSONL file") as caught:
        TrainingDataLogger("postgresql://app:hunter2@db/agents")
    assert "hunter2" not in str(caught.value)
    assert not list(tmp_path.iterdir())  # no "postgresql:" folder


def test_a_huge_lock_timeout_is_not_copied_into_the_message(tmp_path):
    with pytest.raises(ValueError, match="lock_timeout") as caught:
        TrainingDataLogger(tmp_path / "l.jsonl", lock_timeout="9" * 1_000_000)
    assert len(str(caught.value)) < 200


def test_a_missing_path_is_named():
    with pytest.raises(TypeError, match="path must be a file path"):
        TrainingDataLogger(None)
    with pytest.raises(ValueError, match="path is an empty string"):  # a value, not a type, is wrong
        TrainingDataLogger("")


def test_log_refuses_bad_metadata_and_writes_nothing(tmp_path):
    log = TrainingDataLogger(tmp_path / "l.jsonl")
    with pytest.raises(RecordError, match="metadata must be a dict"):
        log.log("t", [{"role": "user", "content": "q"}], "a", metadata=[1])
    path = tmp_path / "l.jsonl"
    assert log.count == 0 and (not path.exists() or path.read_text() == "")

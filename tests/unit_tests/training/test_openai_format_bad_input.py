"""validate_openai_file on files OpenAI would refuse, or that could crash a checker."""

from __future__ import annotations

import json
import os

import pytest

from langchain_semantix.training.jsonl import NotARegularFileError
from langchain_semantix.training.openai_format import validate_openai_file

EXAMPLE = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}


def _file(tmp_path, lines, prefix=b""):
    path = tmp_path / "ft.jsonl"
    path.write_bytes(prefix + "".join(line + "\n" for line in lines).encode("utf-8"))
    return path


def test_deep_nesting_is_an_invalid_line_not_a_crash(tmp_path):
    report = validate_openai_file(_file(tmp_path, ["[" * 100_000 + "]" * 100_000] + [json.dumps(EXAMPLE)] * 10))
    assert report.errors["invalid_json"] == 1 and report.error_lines["invalid_json"] == [1]


def test_a_byte_order_mark_is_a_warning_not_an_invalid_first_line(tmp_path):
    report = validate_openai_file(_file(tmp_path, [json.dumps(EXAMPLE)] * 10, prefix=b"\xef\xbb\xbf"))
    assert report.ok and any("byte-order mark" in w for w in report.warnings)


def test_lone_surrogates_and_bool_weights_are_errors(tmp_path):
    surrogate = json.dumps({"messages": [{"role": "user", "content": "q\ud800"}, {"role": "assistant", "content": "a"}]})
    weighted = json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": True}]})
    report = validate_openai_file(_file(tmp_path, [surrogate, weighted] + [json.dumps(EXAMPLE)] * 10))
    assert report.error_lines["lone_surrogate"] == [1] and report.error_lines["invalid_weight"] == [2]


def test_preference_examples_of_the_wrong_shape_are_errors(tmp_path):
    lines = [
        json.dumps({"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_output": "a", "non_preferred_output": []}),
        json.dumps({"input": [], "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [1]}),
    ]
    report = validate_openai_file(_file(tmp_path, lines))
    assert report.error_lines["missing_messages_list"] == [1, 2]


def test_arguments_are_checked(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory; give the fine-tuning JSONL file"):
        validate_openai_file(tmp_path)
    with pytest.raises(FileNotFoundError, match="missing.jsonl does not exist"):
        validate_openai_file(tmp_path / "missing.jsonl")
    with pytest.raises(ValueError, match="min_examples must be a whole number >= 0"):
        validate_openai_file(_file(tmp_path, [json.dumps(EXAMPLE)]), min_examples=-1)


def test_a_fifo_is_not_called_missing_and_is_never_opened(tmp_path):
    fifo = tmp_path / "train.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFileError, match=r"train.jsonl is not a regular file \(a FIFO, device or socket\); give the fine-tuning"):
        validate_openai_file(fifo)  # opening it would block until a writer came


@pytest.mark.parametrize("path", [5, None, b"train.jsonl"])
def test_a_path_of_the_wrong_type_is_named(path):
    with pytest.raises(TypeError, match="path must be a file path"):
        validate_openai_file(path)


@pytest.mark.parametrize("value", ["16385", 0, 1.5, True, "x" * 5_000_000])
def test_max_tokens_is_checked_and_a_huge_value_is_cut(tmp_path, value):
    with pytest.raises(ValueError, match="max_tokens must be a whole number >= 1") as error:
        validate_openai_file(_file(tmp_path, [json.dumps(EXAMPLE)]), max_tokens=value)
    assert len(str(error.value)) < 300


def test_a_huge_min_examples_is_cut_in_the_error(tmp_path):
    with pytest.raises(ValueError, match="min_examples") as error:
        validate_openai_file(_file(tmp_path, [json.dumps(EXAMPLE)]), min_examples="x" * 5_000_000)
    assert len(str(error.value)) < 300

import json
import math

import pytest

from langchain_semantix.training.records import (
    CorrectionRecord,
    RecordError,
    make_record,
    normalize_record,
    redact_texts,
    to_json_line,
)
from tests.unit_tests.training._data import BAD_LINES, PAIR, rec


def test_make_record_has_every_schema_field_once():
    record = make_record(**PAIR, tags=("a",), custom="kept")
    assert set(CorrectionRecord.model_fields) <= set(record)
    assert record["metadata"] == {"custom": "kept"} and record["tags"] == ["a"]
    assert record["rejected_attempts"][0]["output"] == "no" and record["schema_version"] == 1
    assert normalize_record(json.loads(to_json_line(record))) == record  # one schema both ways


@pytest.mark.parametrize(
    "field,value",
    [
        ("rejected_score", "high"),
        ("accepted_score", math.nan),
        ("rejected_score", math.inf),
        ("accepted_output", None),
        ("intent_description", None),
        ("attempts", 0),
    ],
)
def test_make_record_names_the_bad_field(field, value):
    with pytest.raises(RecordError, match=field):
        make_record(**{**PAIR, field: value})


def test_nan_in_attempts_or_threshold_is_refused():
    with pytest.raises(RecordError, match="threshold"):
        make_record(**PAIR, threshold=float("nan"))
    with pytest.raises(RecordError, match="score"):
        make_record(**PAIR, rejected_attempts=[{"output": "x", "score": float("inf")}])


def test_lone_surrogate_is_refused_with_the_fix():
    record = make_record(**{**PAIR, "accepted_output": "bad \ud800 text"})
    with pytest.raises(RecordError, match="surrogate"):
        to_json_line(record)


def test_semantix_record_is_normalised():
    raw = {k: v for k, v in rec(0, prompt=False).items()}
    record = normalize_record(raw)
    assert record["rejected_attempts"][0]["output"] == "bad 0" and record["schema_version"] == 0
    assert record["tags"] == [] and record["metadata"] == {}


@pytest.mark.parametrize("line", BAD_LINES[1:9])
def test_mistyped_records_are_refused(line):
    with pytest.raises(RecordError):
        normalize_record(json.loads(line))


def test_redact_texts_reaches_every_string_but_identifiers():
    value = {
        "id": "secret-id",
        "role": "user",
        "content": [{"type": "text", "text": "secret"}],
        "tool_calls": [{"id": "c1", "name": "f", "args": {"q": "secret"}}],
        "tags": ["secret"],
    }
    out = redact_texts(value, lambda t: t.replace("secret", "[X]"))
    assert "secret" not in json.dumps({k: v for k, v in out.items() if k != "id"})
    assert out["id"] == "secret-id" and out["role"] == "user" and out["tool_calls"][0]["id"] == "c1"

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


def test_escaped_lone_surrogate_in_a_stored_record_is_refused():
    line = json.dumps({**rec(0), "accepted_output": "x"}).replace('"x"', '"bad \\ud800 text"')
    assert "\\ud800" in line
    with pytest.raises(RecordError, match="surrogate"):
        normalize_record(json.loads(line))
    pair = json.dumps({**rec(0), "accepted_output": "x"}).replace('"x"', '"smile \\ud83d\\ude00"')
    assert normalize_record(json.loads(pair))["accepted_output"] == "smile \U0001f600"


def test_tags_as_one_string_are_refused_not_split_into_letters():
    with pytest.raises(RecordError, match=r"tags=\['abc'\]"):
        make_record(**PAIR, tags="abc")
    assert make_record(**PAIR, tags=["abc"])["tags"] == ["abc"]


@pytest.mark.parametrize("intent", ["", "   "])
def test_empty_intent_is_refused(intent):
    with pytest.raises(RecordError, match="intent must name the requirement"):
        make_record(**{**PAIR, "intent": intent})
    with pytest.raises(RecordError, match="intent"):
        normalize_record({**rec(0), "intent": intent})


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"rejected_score": 1, "accepted_score": 0},
        {"rejected_score": None, "accepted_score": None, "rejected_reason": None, "feedback": None},
        {"attempts": 7, "intent_description": ""},
        {"accepted_output": "unicode é 漢字 \U0001f600"},
    ],
)
def test_plain_records_equal_what_the_model_builds(changes):
    fields = {**PAIR, **changes}
    plain = make_record(**fields)
    checked = make_record(**fields, redact=lambda text: text)  # redaction takes the model path
    assert {k: v for k, v in plain.items() if k not in ("id", "timestamp")} == {
        k: v for k, v in checked.items() if k not in ("id", "timestamp")
    }
    assert list(plain) == list(checked) and len(plain["id"]) == 32
    assert normalize_record(json.loads(to_json_line(plain))) == plain


@pytest.mark.parametrize("field,value", [("attempts", True), ("accepted_score", "0.9"), ("intent", 3), ("feedback", b"fb")])
def test_unusual_values_still_get_the_model_checks(field, value):
    with pytest.raises(RecordError, match=field):
        make_record(**{**PAIR, field: value})


def test_json_line_refuses_nan_anywhere_and_keeps_what_json_can_hold():
    record = make_record(**PAIR)
    with pytest.raises(RecordError, match="JSON"):
        to_json_line({**record, "metadata": {"deep": [{"x": math.inf}]}})
    line = to_json_line({**record, "metadata": {"big": 2**70, 3: "int key"}})
    assert json.loads(line)["metadata"] == {"big": 2**70, "3": "int key"}

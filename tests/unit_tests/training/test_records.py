import copy
import json
import math
import warnings

import pytest

from langchain_semantix.training import records
from langchain_semantix.training.backends import iter_records
from langchain_semantix.training.calibrate import collect_scores
from langchain_semantix.training.jsonl import CorruptLineWarning
from langchain_semantix.training.records import (
    CorrectionRecord,
    RecordError,
    make_record,
    normalize_record,
    redact_texts,
    to_json_line,
)
from tests.unit_tests.training._corpus import PYTHON_ONLY, WEIRD, base_records, by_the_model, corpus_of
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


@pytest.mark.parametrize("intent", ["", "   ", "\u2003\x1c\n"])  # the last: Unicode and control whitespace
def test_empty_intent_is_refused(intent):
    with pytest.raises(RecordError, match="intent must name the requirement"):
        make_record(**{**PAIR, "intent": intent})
    with pytest.raises(RecordError, match="intent"):
        normalize_record({**rec(0), "intent": intent})
    assert not records.is_plain_record({**rec(0), "intent": intent})
    assert records.is_plain_record({**rec(0), "intent": intent + "x"})


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


# -- the plain-record fast path reads exactly as the model does -------------------------


def _outcome(normalize, raw) -> dict | str:
    try:
        return normalize(raw)
    except RecordError:
        return "refused"


def test_plain_and_model_paths_agree_on_random_records():
    corpus = corpus_of(seed=13, n=150, values=WEIRD + PYTHON_ONLY)
    plain = sum(records.is_plain_record(raw) for raw in corpus)
    assert 0.2 * len(corpus) < plain < 0.9 * len(corpus)  # both paths are exercised
    for raw in corpus:
        expected = by_the_model(copy.deepcopy(raw))
        got = _outcome(normalize_record, raw)
        assert repr(got) == repr(expected), raw  # repr: 1 and 1.0 differ


def test_keys_shared_with_the_last_record_never_let_an_extra_key_through():
    # A file's records share their keys, so the check remembers the last ones it found
    # declared-only; a record with any other key is still checked in full.
    plain = json.loads(json.dumps({**rec(0), "tags": ["t"], "metadata": {"n": 1}}))
    assert records.is_plain_record(plain) and records.is_plain_record(copy.deepcopy(plain))
    assert not records.is_plain_record({**plain, "custom": {"wide": 2.0**64}})  # an extra key, beyond 2**63
    swapped = {("stamp" if k == "timestamp" else k): (2.0**64 if k == "timestamp" else v) for k, v in plain.items()}
    assert len(swapped) == len(plain) and not records.is_plain_record(swapped)  # as many keys, one of them extra
    assert records.is_plain_record(dict(reversed(plain.items())))  # the same keys in another order
    assert records.is_plain_record({**plain, "custom": {"n": [1, "a"]}})


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        ({"role": "user"}, True),
        ({"role": "user", "content": None}, True),
        ({"role": "user", "name": "u"}, True),
        ({"role": "user", "name": 2.0**64}, False),  # as many keys as {role, content}, one of them extra
        ({"role": "user", "content": "c", "x": [2.0**64]}, False),
        ({"role": "user", "content": [{"x": 2.0**64}]}, False),
    ],
)
def test_every_extra_key_of_a_message_is_checked(message, plain):
    assert records.is_plain_record({**rec(0), "prompt_messages": [message]}) is plain


def test_a_normalised_plain_record_shares_nothing_with_its_source():
    raw = base_records(0)[3]
    assert records.is_plain_record(raw)
    record = normalize_record(raw)
    record["metadata"]["nested"]["a"].append("changed")
    record["prompt_messages"][1]["content"][0]["text"] = "changed"
    record["judge"]["scores"].append(3)
    assert raw == base_records(0)[3]


def test_lines_read_fast_as_the_standard_parser_and_the_model_read_them(tmp_path):
    corpus = corpus_of(seed=11, n=150, values=WEIRD)
    lines = [json.dumps(raw) for raw in corpus]  # NaN and inf written as NaN and Infinity
    lines += [line.replace('"bad 1"', '"bad \\ud800"') for line in lines[:8]]  # escaped lone surrogates
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = [(n, by_the_model(json.loads(line))) for n, line in enumerate(lines, start=1)]
    skipped: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptLineWarning)
        got = list(iter_records(path, skipped=skipped))
        scores = collect_scores(path)
    assert repr(got) == repr([record for _, record in expected if record != "refused"])
    refused = [n for n, record in expected if record == "refused"]
    assert [int(m.split(": skipped")[0].rsplit(":", 1)[1]) for m in skipped] == refused and refused
    reference: dict[str, tuple[list[float], list[float]]] = {}
    for record in got:
        accepted, rejected = reference.setdefault(record["intent"], ([], []))
        accepted.extend([record["accepted_score"]] if record["accepted_score"] is not None else [])
        rejected.extend(a["score"] for a in record["rejected_attempts"] if a["score"] is not None)
    assert scores == reference


@pytest.mark.parametrize(
    "changes,match",
    [
        ({"rejected_score": 10**400}, "rejected_score"),  # the plain path: beyond any float
        ({"accepted_score": -(10**400)}, "accepted_score"),
        ({"rejected_score": 10**400, "tags": ["t"]}, "rejected_score"),  # the model path
        ({"metadata": "note"}, "metadata must be a dict of JSON values"),
        ({"metadata": 0}, "metadata must be a dict of JSON values"),
        ({"metadata": ["a"]}, "metadata must be a dict of JSON values"),
        ({"tags": 5}, "tags must be a list of strings"),
        ({"tags": 5, "redact": str.upper}, "tags must be a list of strings"),
    ],
)
def test_mistyped_fields_are_record_errors_naming_the_field(changes, match):
    with pytest.raises(RecordError, match=match):
        make_record(**{**PAIR, **changes})
    with pytest.raises(RecordError, match=match):
        records.make_record_line(**{**PAIR, **changes})


def test_messages_about_huge_values_stay_short():
    big = "a" * 5_000_000
    for changes in ({"tags": big}, {"attempts": big}, {"metadata": big}, {"tags": object(), "id": big}):
        with pytest.raises(RecordError) as caught:
            make_record(**{**PAIR, **changes})
        assert len(str(caught.value)) < 300
    with pytest.raises(RecordError, match=r"tags=\[text\]"):  # a long string is not repeated as the fix
        make_record(**PAIR, tags="x" * 41)

import inspect
import json
import sys
import warnings
from typing import Any

import annotated_types
import msgspec
import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from langchain_semantix.training import backends, record_scores
from langchain_semantix.training.calibrate import collect_scores
from langchain_semantix.training.jsonl import CorruptLineWarning
from langchain_semantix.training.record_scores import MAX_NESTING, RecordScores, scores_of_line, scores_of_record
from langchain_semantix.training.records import CorrectionRecord, PromptMessage, RejectedAttempt
from tests.unit_tests.training._corpus import WEIRD, by_the_model, corpus_of
from tests.unit_tests.training._data import rec


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode()


def _nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize("model", [CorrectionRecord, PromptMessage, RejectedAttempt])
def test_the_decoder_is_the_model_s_schema(model):
    struct = record_scores._struct(model)
    fields = {field.name: field for field in msgspec.structs.fields(struct)}
    assert set(fields) == set(model.model_fields)
    for name, field in model.model_fields.items():
        assert fields[name].required == field.is_required(), name
        if not field.is_required():
            default = field.default_factory() if field.default_factory else field.default
            assert (
                fields[name].default_factory() if fields[name].default_factory is not msgspec.NODEFAULT else fields[name].default
            ) == default


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    text: str


class _Validated(_Strict):
    @field_validator("text")
    @classmethod
    def _upper(cls, text: str) -> str:
        return text.upper()


class _Aliased(_Strict):
    other: str = Field("x", alias="Other")


class _Lax(BaseModel):
    model_config = ConfigDict(extra="allow")

    text: str


class _Stripping(_Strict):
    model_config = ConfigDict(strict=True, str_strip_whitespace=True)


@pytest.mark.parametrize(
    ("model", "problem"),
    [
        (_Validated, r"its validators \['_upper'\]"),
        (_Aliased, "the alias of its field other"),
        (_Lax, r"its config \{\}"),
        (_Stripping, "str_strip_whitespace"),
    ],
)
def test_a_model_rule_a_struct_cannot_hold_is_refused_by_name(model, problem):
    with pytest.raises(TypeError, match=f"no msgspec struct for {model.__name__}: .*{problem}"):
        record_scores._struct(model)
    strict = record_scores._struct(_Strict)  # the same model without the rule is translated
    assert msgspec.json.decode(b'{"text": "a"}', type=strict).text == "a"
    with pytest.raises(msgspec.ValidationError, match="unknown field `more`"):  # extra keys go the usual way
        msgspec.json.decode(b'{"text": "a", "more": 1}', type=strict)


def test_a_caller_deep_in_its_stack_gets_an_answer_not_a_recursion_error():
    line = _line({**rec(0), "accepted_logprobs": _nested(MAX_NESTING)})

    def at_depth(frames: int) -> RecordScores | None:
        return scores_of_line(line) if frames == 0 else at_depth(frames - 1)

    # 250 frames left: enough for the decoder's 100 levels, not for a recursive walk of them
    assert at_depth(sys.getrecursionlimit() - len(inspect.stack()) - 250) == RecordScores("Polite", 0.9, [0.2])


def test_a_schema_it_cannot_translate_is_refused_by_name():
    with pytest.raises(TypeError, match="no msgspec form for .*set"):
        record_scores._msgspec_type(set[str])
    with pytest.raises(TypeError, match="no msgspec form for the constraint"):
        record_scores._constrained(int, [annotated_types.Le(3)])


def test_a_plain_record_is_scored_from_its_line():
    assert scores_of_line(_line(rec(0))) == RecordScores("Polite", 0.9, [0.2])
    attempts = {**rec(0), "rejected_attempts": [{"output": "a", "score": 0.1}, {"output": "b"}, {"output": "c", "score": 1}]}
    scores = scores_of_line(_line(attempts))
    assert scores == RecordScores("Polite", 0.9, [0.1, 1.0]) and type(scores.rejected[1]) is float
    no_rejection = {key: value for key, value in rec(0).items() if not key.startswith("rejected")}
    assert scores_of_line(_line(no_rejection)) == RecordScores("Polite", 0.9, [])
    assert scores_of_line(_line({**rec(0), "accepted_score": 1})).accepted == 1.0
    for field in ("metadata", "judge"):  # MAX_NESTING deep, in each free-form place
        assert scores_of_line(_line({**rec(0), field: {"deep": _nested(MAX_NESTING)}})) is not None
    assert scores_of_line(_line({**rec(0), "accepted_logprobs": _nested(MAX_NESTING)})) is not None
    assert scores_of_line(_line({**rec(0), "prompt_messages": [{"role": "user", "content": [_nested(MAX_NESTING)]}]})) is not None
    # duplicate keys: the last one counts, as for the standard parser
    assert scores_of_line(_line(rec(0))[:-1] + b', "accepted_score": 0.5}') == RecordScores("Polite", 0.5, [0.2])


_DEEP = _nested(MAX_NESTING + 1)


def _nested_line(depth: int) -> bytes:
    """A record whose metadata nests ``depth`` lists deep (deeper than json.dumps can write)."""
    return _line({**rec(9), "metadata": {"deep": "here"}}).replace(b'"here"', b"[" * depth + b"]" * depth)


@pytest.mark.parametrize(
    "line",
    [
        _line({**rec(0), "custom": 1}),  # extra keys: the model keeps them, this struct does not read them
        _line({**rec(0), "prompt_messages": [{"role": "user", "content": "hi", "name": "u"}]}),
        _line({**rec(0), "rejected_attempts": [{"output": "a", "extra": 1}]}),
        _line({**rec(0), "accepted_score": float("nan")}),  # NaN as json.dumps writes it
        _line({**rec(0), "metadata": {"x": float("inf")}}),
        _line(rec(0)).replace(b"0.9", b"1e400"),
        _line({**rec(0), "accepted_score": 10**30}),  # an integer wider than 2**63: left to the exact reading
        _line({**rec(0), "accepted_score": 2**63 - 1}),
        _line({**rec(0), "accepted_score": True}),
        _line(rec(0)).replace(b'"Polite"', b'"\\ud800"'),  # an escaped lone surrogate
        _line({**rec(0), "metadata": {"x": "\ud800"}}),
        _line(rec(0)).replace(b"bad 0", b"bad \xed\xa0\x80"),  # a surrogate encoded as bytes
        _line(rec(0)).replace(b"bad 0", b"bad \xc0\xaf"),  # an overlong encoding
        _line({**rec(0), "intent": "  "}),
        _line({**rec(0), "intent": ""}),
        _line({**rec(0), "tags": None}),
        _line({**rec(0), "rejected_attempts": None}),
        _line({**rec(0), "metadata": None}),
        _line({**rec(0), "attempts": 0}),
        _line({**rec(0), "attempts": 1.0}),
        _line({**rec(0), "metadata": {"deep": _DEEP}}),
        _line({**rec(0), "accepted_logprobs": _DEEP}),
        _line({**rec(0), "judge": {"deep": _DEEP}}),
        _line({**rec(0), "rejected_attempts": [{"output": "a", "logprobs": _DEEP}]}),
        _line({**rec(0), "prompt_messages": [{"role": "user", "content": [_DEEP]}]}),
        _nested_line(995),  # near where the standard parser gives up
        _line(rec(0)) + _line(rec(1))[:20],  # a record with a killed writer's fragment behind it
        _line(rec(0))[:-5],
        b"[1, 2]",
        b"\xef\xbb\xbf" + _line(rec(0)),
    ],
)
def test_lines_it_does_not_take_are_left_to_the_usual_reading(line):
    assert scores_of_line(line) is None


def test_every_line_it_takes_the_model_takes_with_the_same_scores():
    lines = [_line(raw) for raw in corpus_of(seed=5, n=300, values=WEIRD)]
    taken = 0
    for line in lines:
        scores = scores_of_line(line)
        if scores is None:
            continue
        taken += 1
        record = by_the_model(json.loads(line))
        assert record != "refused", line
        assert repr(scores) == repr(scores_of_record(record)), line  # repr: 1 and 1.0, -0.0 and 0.0 differ
    assert 0.2 * len(lines) < taken < 0.9 * len(lines)  # both readings are exercised


def test_collect_scores_reads_the_same_with_and_without_the_fast_reading(tmp_path, monkeypatch):
    lines = [_line(raw) for raw in corpus_of(seed=7, n=150, values=WEIRD)]
    lines += [_nested_line(995), _nested_line(5000), _line(rec(3)) + _line(rec(4))[:20], b"{broken"]
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptLineWarning)
        fast_skipped: list[str] = []
        fast = collect_scores(path, skipped=fast_skipped)
        monkeypatch.setattr(record_scores, "scores_of_line", lambda line: None)
        usual_skipped: list[str] = []
        usual = collect_scores(path, skipped=usual_skipped)
    assert repr(fast) == repr(usual) and fast
    assert fast_skipped == usual_skipped and fast_skipped


def test_a_line_it_takes_is_not_read_again(tmp_path, monkeypatch):
    read: list[bytes] = []
    usual = backends.plain_record_of_line
    monkeypatch.setattr(backends, "plain_record_of_line", lambda line: read.append(line) or usual(line))
    path = tmp_path / "c.jsonl"
    path.write_bytes(_line(rec(0)) + b"\n" + _line({**rec(1), "custom": 1}) + b"\n")
    assert collect_scores(path) == {"Polite": ([0.9, 0.9], [0.2, 0.2])}
    assert read == [_line({**rec(1), "custom": 1}) + b"\n"]

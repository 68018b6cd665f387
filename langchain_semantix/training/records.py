"""The correction-pair record: one JSONL line per healed output, spelled out once.

:class:`CorrectionRecord` is the schema. Writers build records with :func:`make_record`,
readers check every stored line with :func:`normalize_record`; both go through the same
model, so a record that was written can always be read back, and a record that does not
fit (a wrong type, a NaN score, a message without a role) is refused with the field named.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Annotated, Any, TypeGuard

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from langchain_semantix.errors import SemantixError

__all__ = [
    "SCHEMA_VERSION",
    "SEMANTIX_FIELDS",
    "RecordError",
    "CorrectionRecord",
    "PromptMessage",
    "RejectedAttempt",
    "make_record",
    "normalize_record",
    "redact_texts",
    "to_json_line",
    "make_record_line",
    "Redactor",
]

SCHEMA_VERSION = 1
#: semantix-ai's fields, present on every record.
SEMANTIX_FIELDS = (
    "intent",
    "intent_description",
    "rejected_output",
    "rejected_score",
    "rejected_reason",
    "accepted_output",
    "accepted_score",
    "feedback",
    "attempts",
    "timestamp",
)
Redactor = Callable[[str], str]

#: A judge score: a finite number (JSON integers are accepted, bools, strings, NaN and inf are not).
Score = Annotated[float, Field(allow_inf_nan=False)]


class RecordError(SemantixError, ValueError):
    """A record is missing a field or holds a value that cannot be stored."""


_EMPTY_INTENT = "intent must name the requirement (e.g. the Intent class name 'PoliteDecline'), not an empty string"


class _Model(BaseModel):
    # strict: a stored "0.9" is not a score and a bare string is not a message list;
    # extra="allow": fields from newer writers or users' own keys survive a round trip.
    model_config = ConfigDict(strict=True, extra="allow")


class PromptMessage(_Model):
    """One message the model received (``role`` required; content text, blocks or None)."""

    role: str
    content: str | list[Any] | None = None


class RejectedAttempt(_Model):
    """One failed attempt before the accepted one."""

    output: str
    attempt: int | None = None
    score: Score | None = None
    reason: str | None = None
    feedback: str | None = None
    threshold: Score | None = None
    logprobs: Any = None


class CorrectionRecord(_Model):
    """One correction pair (semantix-ai's fields first, then langchain-semantix's).

    Records written by semantix-ai carry only the first ten fields; the rest default.
    """

    intent: str
    intent_description: str
    rejected_output: str | None = None
    rejected_score: Score | None = None
    rejected_reason: str | None = None
    accepted_output: str
    accepted_score: Score | None = None
    feedback: str | None = None
    attempts: Annotated[int, Field(ge=1)] | None = None
    timestamp: str | None = None

    schema_version: int = 0
    id: str | None = None
    run_id: str | None = None
    prompt_messages: list[PromptMessage] | None = None
    rejected_attempts: list[RejectedAttempt] = Field(default_factory=list)
    accepted_logprobs: Any = None
    threshold: Score | None = None
    judge: dict[str, Any] | str | None = None
    model: str | None = None
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("intent")
    @classmethod
    def _intent_is_named(cls, intent: str) -> str:
        if not intent.strip():
            raise ValueError(_EMPTY_INTENT)
        return intent

    @model_validator(mode="after")
    def _one_attempt_from_semantix_fields(self) -> CorrectionRecord:
        if not self.rejected_attempts and self.rejected_output is not None:
            self.rejected_attempts = [
                RejectedAttempt(
                    output=self.rejected_output,
                    score=self.rejected_score,
                    reason=self.rejected_reason,
                    feedback=self.feedback,
                )
            ]
        return self


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "record"
        got = repr(error.get("input"))
        parts.append(f"{where}: {error['msg']} (got {got[:60]})")
    more = exc.error_count() - 3
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _validated(data: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return CorrectionRecord.model_validate(data).model_dump()
    except ValidationError as exc:
        raise RecordError(f"invalid record: {_describe(exc)}") from None
    except RecursionError:
        raise RecordError("invalid record: nested too deeply to read") from None


#: Keys whose text is an identifier, never user content, so redaction leaves it alone.
_STRUCTURAL_KEYS = frozenset({"schema_version", "id", "run_id", "timestamp", "intent", "role", "type", "tool_call_id"})


def redact_texts(value: Any, redact: Redactor, key: str | None = None) -> Any:
    """``value`` with ``redact`` applied to every string in it (message contents, content
    blocks, tool-call arguments, tags, metadata values ...), identifiers excepted."""
    if isinstance(value, str):
        return value if key in _STRUCTURAL_KEYS else redact(value)
    if isinstance(value, Mapping):
        return {k: redact_texts(v, redact, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_texts(v, redact) for v in value]
    return value


def _new_id() -> str:
    """A random (version 4) UUID as 32 hex digits, without building a ``uuid.UUID``."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    return raw.hex()


_NOT_PLAIN = object()


def _plain_score(value: Any) -> Any:
    """A score as the schema stores it, or ``_NOT_PLAIN`` when only the model can judge it."""
    if value is None:
        return None
    if type(value) is float:
        return value if math.isfinite(value) else _NOT_PLAIN
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:  # beyond any float: the model names the field
            return _NOT_PLAIN
    return _NOT_PLAIN


def _plain_record(
    intent: Any,
    intent_description: Any,
    rejected_output: Any,
    rejected_score: Any,
    rejected_reason: Any,
    accepted_output: Any,
    accepted_score: Any,
    feedback: Any,
    attempts: Any,
) -> dict[str, Any] | None:
    """The record of semantix-ai's fields when every value is plain (exact ``str`` texts,
    finite ``float`` or ``int`` scores, a positive ``int``), built without the model but
    equal to what it builds; ``None`` when anything needs the model's checks and messages."""
    texts_plain = type(intent) is str and type(intent_description) is str and type(rejected_output) is str and type(accepted_output) is str
    if not texts_plain or not intent.strip() or type(attempts) is not int or attempts < 1:
        return None
    if not (rejected_reason is None or type(rejected_reason) is str) or not (feedback is None or type(feedback) is str):
        return None
    rejected, accepted = _plain_score(rejected_score), _plain_score(accepted_score)
    if rejected is _NOT_PLAIN or accepted is _NOT_PLAIN:
        return None
    attempt = {
        "output": rejected_output,
        "attempt": attempts - 1,
        "score": rejected,
        "reason": rejected_reason,
        "feedback": feedback,
        "threshold": None,
        "logprobs": None,
    }
    return {  # CorrectionRecord's fields, in its order
        "intent": intent,
        "intent_description": intent_description,
        "rejected_output": rejected_output,
        "rejected_score": rejected,
        "rejected_reason": rejected_reason,
        "accepted_output": accepted_output,
        "accepted_score": accepted,
        "feedback": feedback,
        "attempts": attempts,
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "schema_version": SCHEMA_VERSION,
        "id": _new_id(),
        "run_id": None,
        "prompt_messages": None,
        "rejected_attempts": [attempt],
        "accepted_logprobs": None,
        "threshold": None,
        "judge": None,
        "model": None,
        "tags": [],
        "metadata": {},
    }


def _tag_list(tags: Any) -> list[Any]:
    if isinstance(tags, (str, bytes)):
        one = repr(tags) if len(tags) <= 40 else "text"
        raise RecordError(f"tags must be a list of strings, got the string {tags!r:.60}; for one tag pass tags=[{one}]")
    try:
        return list(tags or [])
    except TypeError:
        raise RecordError(f"tags must be a list of strings (or None), got {type(tags).__name__} {tags!r:.60}") from None


def _metadata(metadata: Any) -> Mapping[str, Any]:
    if metadata is None:
        return _NOTHING
    if not isinstance(metadata, Mapping):
        raise RecordError(
            f"metadata must be a dict of JSON values (str keys), got {type(metadata).__name__} {metadata!r:.60}; "
            "e.g. metadata={'note': 'text'}"
        )
    return metadata


def make_record(
    *,
    intent: str,
    intent_description: str,
    rejected_output: str,
    rejected_score: float | None,
    rejected_reason: str | None,
    accepted_output: str,
    accepted_score: float | None,
    feedback: str | None,
    attempts: int,
    redact: Redactor | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build and check a record; raises :class:`RecordError` naming the bad field.

    Unknown keyword fields go to ``metadata``. ``redact`` is applied to every text.
    ``intent`` must be a non-empty name; ``tags`` must be a list of strings (a bare
    string is refused rather than split into letters).

    Example:
        .. code-block:: python

            record = make_record(intent="Polite", intent_description="The text must be polite.",
                                 rejected_output="No.", rejected_score=0.2, rejected_reason=None,
                                 accepted_output="No, thank you.", accepted_score=0.9,
                                 feedback="Be polite.", attempts=2)
    """
    semantix = (
        intent,
        intent_description,
        rejected_output,
        rejected_score,
        rejected_reason,
        accepted_output,
        accepted_score,
        feedback,
        attempts,
    )
    if redact is None and not extra:
        plain = _plain_record(*semantix)
        if plain is not None:
            return plain
    fields = set(CorrectionRecord.model_fields)
    known = {k: extra.pop(k) for k in list(extra) if k in fields}
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise RecordError(
            f"attempts must be a positive int (the number of the accepted attempt), got {type(attempts).__name__} {attempts!r:.60}"
        )
    data: dict[str, Any] = {
        **known,
        "schema_version": SCHEMA_VERSION,
        "id": known.get("id") or _new_id(),
        "intent": intent,
        "intent_description": intent_description,
        "rejected_output": rejected_output,
        "rejected_score": rejected_score,
        "rejected_reason": rejected_reason,
        "accepted_output": accepted_output,
        "accepted_score": accepted_score,
        "feedback": feedback,
        "attempts": attempts,
        "timestamp": known.get("timestamp") or datetime.now(timezone.utc).isoformat(),
        "tags": _tag_list(known.get("tags")),
        "metadata": {**_metadata(known.get("metadata")), **extra},
    }
    if not data.get("rejected_attempts"):
        data["rejected_attempts"] = [
            {"attempt": attempts - 1, "output": rejected_output, "score": rejected_score, "reason": rejected_reason, "feedback": feedback}
        ]
    if rejected_output is None:
        raise RecordError("rejected_output must be a str, got None")
    if redact is not None:
        try:
            data = redact_texts(data, redact)
        except RecursionError:
            raise RecordError("invalid record: nested too deeply to redact") from None
    return _validated(data)


_SEMANTIX_ARGUMENTS = frozenset(SEMANTIX_FIELDS) - {"timestamp"}


def make_record_line(*, redact: Redactor | None = None, **fields: Any) -> tuple[dict[str, Any], bytes]:
    """:func:`make_record` and its JSON line, serialised once (what ``TrainingCollector.record``
    writes); a record of plain values skips the scan for NaN, its scores being checked."""
    if redact is None and fields.keys() == _SEMANTIX_ARGUMENTS:
        plain = _plain_record(**fields)
        if plain is not None:
            return plain, _dumps(plain)
    record = make_record(redact=redact, **fields)
    return record, to_json_line(record)


#: orjson writes what the standard encoder would write; anything it would not take as is
#: (datetimes, dataclasses, subclasses, huge ints, non-str keys) goes to the standard encoder.
_ORJSON_OPTIONS = (
    orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
)
_STANDARD_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _orjson_line(record: Mapping[str, Any]) -> bytes | None:
    try:
        return orjson.dumps(record, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError
        return None


def _dumps(record: Mapping[str, Any]) -> bytes:
    """The JSON line of a record whose floats are known to be finite."""
    return _orjson_line(record) or _standard_line(record)


def _standard_line(record: Mapping[str, Any]) -> bytes:
    try:
        return (_STANDARD_ENCODER.encode(record) + "\n").encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RecordError(
            f"the record holds text that UTF-8 cannot store (a lone surrogate {exc.object[exc.start : exc.end]!r}"
            " - usually a broken decode); clean it first, e.g. "
            "text.encode('utf-8', 'replace').decode('utf-8')"
        ) from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise RecordError(
            f"the record cannot be written as JSON ({exc}); keep metadata to str, numbers, bools, None, lists and dicts"
        ) from exc


_CONTAINERS = {float, dict, list, tuple}


def _holds_nonfinite(value: Any) -> bool:
    """Whether NaN or infinity hides in ``value`` (which orjson took, so its types are exact)."""
    kind = type(value)
    if kind is float:
        return value - value != 0.0  # NaN and infinities only
    if kind is dict:
        value = value.values()
    for item in value:
        if type(item) in _CONTAINERS and _holds_nonfinite(item):
            return True
    return False


def to_json_line(record: Mapping[str, Any]) -> bytes:
    """One UTF-8 JSON line; raises :class:`RecordError` for values JSON or UTF-8 cannot hold
    (NaN or infinity, a lone surrogate, an object)."""
    line = _orjson_line(record)
    if line is not None and not _holds_nonfinite(record):
        return line
    return _standard_line(record)  # names what JSON cannot hold (orjson would write NaN as null)


def _refuse_unwritable_text(record: dict[str, Any]) -> None:
    """A stored line can hold an escaped lone surrogate (``"\\ud800"``): JSON reads it, but
    it can be written back nowhere, so such a record is refused like any invalid one."""
    try:
        orjson.dumps(record)
        return
    except TypeError as exc:
        if "surrogates" not in str(exc):
            try:  # orjson refused something else first (a huge int): ask the standard encoder
                json.dumps(record, ensure_ascii=False).encode("utf-8")
                return
            except UnicodeEncodeError:
                pass
            except (TypeError, ValueError, RecursionError):
                return
    raise RecordError(
        "invalid record: a text holds a lone surrogate (an escaped \\ud800-\\udfff without its pair), which UTF-8 cannot store"
    )


def normalize_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check a stored record against :class:`CorrectionRecord` and fill the fields
    semantix-ai's records lack; raises :class:`RecordError` naming what is wrong.

    A record of plain values (:func:`is_plain_record`) is checked and normalised without
    the model, to the same result; the model decides every other one."""
    if not isinstance(raw, Mapping):
        raise RecordError(f"a record must be a JSON object, got {type(raw).__name__}")
    record = _normalized_plain(raw, copy=True) if is_plain_record(raw) else _validated(raw)
    _refuse_unwritable_text(record)
    return record


def plain_record_of_line(line: bytes) -> dict[str, Any] | None:
    """The object of a stored JSON line when it is a valid record of plain values (the
    common case, checked without the model), else ``None``: the line is then to be read
    with :func:`~langchain_semantix.training.jsonl.parse_json_object` and
    :func:`normalize_record`, which name what is wrong. Its fields are as stored (absent
    ones mean their default; scores may be ints); :func:`normalize_plain` fills them in.

    orjson refuses lone surrogates, so the text of such a record can always be written.
    """
    try:
        raw = orjson.loads(line)
        return raw if type(raw) is dict and _plain_fields(raw) else None  # is_plain_record, one call less
    except (orjson.JSONDecodeError, RecursionError):
        return None


def normalize_plain(raw: dict[str, Any]) -> dict[str, Any]:
    """:func:`normalize_record` of a record :func:`plain_record_of_line` returned (which
    nothing else holds, so its lists and dicts are reused rather than copied)."""
    return _normalized_plain(raw, copy=False)


#: The widest float taken as read: a wider one may be an integer beyond 64 bits that orjson
#: read as a float (the standard parser keeps it exact), so it goes the long way.
WIDEST_PLAIN = 2.0**63
_JSON_SCALARS = frozenset({str, int, bool, type(None)})
_STR_TYPE = frozenset({str})


def is_plain_json(value: Any) -> bool:
    """Whether ``value`` is JSON as a parser builds it (dicts with str keys, lists, str,
    int, bool, None) whose floats are finite and narrower than 2**63. Raises
    :class:`RecursionError` when nested too deeply to walk."""
    kind = type(value)
    if kind is dict:
        if not _STR_TYPE.issuperset(map(type, value)):
            return False
        items = value.values()
    elif kind is list:
        items = value
    elif kind is float:
        return -WIDEST_PLAIN < value < WIDEST_PLAIN
    else:
        return kind in _JSON_SCALARS
    for item in items:
        if type(item) not in _JSON_SCALARS and not is_plain_json(item):
            return False
    return True


def _copy_json(value: Any) -> Any:
    """A copy of a plain JSON tree (what ``model_dump`` returns for an ``Any`` field)."""
    kind = type(value)
    if kind is dict:
        return {key: _copy_json(item) for key, item in value.items()}
    if kind is list:
        return [_copy_json(item) for item in value]
    return value


def _as_is(value: Any) -> Any:
    return value


def _score(value: float | int | None) -> float | None:
    return value if value is None or type(value) is float else float(value)


_FIELDS = frozenset(CorrectionRecord.model_fields)
_SCORES = ("rejected_score", "accepted_score", "threshold")
_MESSAGE_FIELDS = frozenset(PromptMessage.model_fields)
_ATTEMPT_ORDER = tuple(RejectedAttempt.model_fields)
_ATTEMPT_FIELDS = frozenset(_ATTEMPT_ORDER)
#: ``CorrectionRecord``'s fields in its order, each with the default of a field set to None
#: here (the list and dict defaults are made afresh for each record).
_RECORD_ORDER = tuple(CorrectionRecord.model_fields)
_RECORD_DEFAULTS = tuple(0 if name == "schema_version" else None for name in _RECORD_ORDER)
_NONE: tuple[()] = ()  # the default of an absent list, for checking only
_NOTHING: dict[str, Any] = {}  # the default of an absent dict, for checking only; never changed

# The checks below run for every record read, so they are written for speed: one function
# of straight lines of exact type tests, loops unrolled (a call or a loop costs more than
# most tests it would hold), a helper only for what plain records rarely hold (extra keys,
# content blocks, logprobs).
_W = WIDEST_PLAIN
_STR_OR_NONE = frozenset({str, type(None)})
#: The last keys of a record found to hold declared fields only (a file's records share them).
_known_keys: list[tuple[Any, ...]] = [()]


def _plain_extras(value: dict[str, Any], declared: frozenset[str]) -> bool:
    return value.keys() <= declared or all(is_plain_json(item) for key, item in value.items() if key not in declared)


def _plain_fields(raw: dict[str, Any]) -> bool:
    """:func:`is_plain_record` of a dict (may raise :class:`RecursionError`)."""
    get = raw.get
    intent, description, accepted, attempts = get("intent"), get("intent_description"), get("accepted_output"), get("attempts")
    if type(intent) is not str or not intent or intent.isspace() or type(description) is not str or type(accepted) is not str:
        return False
    if attempts is not None and (type(attempts) is not int or attempts < 1):
        return False
    if (
        type(get("rejected_output")) not in _STR_OR_NONE or type(get("rejected_reason")) not in _STR_OR_NONE
        or type(get("feedback")) not in _STR_OR_NONE or type(get("timestamp")) not in _STR_OR_NONE
        or type(get("id")) not in _STR_OR_NONE or type(get("run_id")) not in _STR_OR_NONE or type(get("model")) not in _STR_OR_NONE
    ):  # fmt: skip
        return False
    for score in (get("rejected_score"), get("accepted_score"), get("threshold")):  # None, or an int, or a float is_plain_json takes
        if score is not None and not ((type(score) is float or type(score) is int) and -_W < score < _W):
            return False
    messages = get("prompt_messages")
    if messages is not None:
        if type(messages) is not list:
            return False
        for message in messages:
            if type(message) is not dict or type(message.get("role")) is not str:
                return False
            content = message.get("content")
            if content is not None and type(content) is not str and (type(content) is not list or not is_plain_json(content)):
                return False
            size = len(message)  # role is there: {role} or {role, content} hold no other key
            if size != 1 and (size != 2 or "content" not in message) and not _plain_extras(message, _MESSAGE_FIELDS):
                return False
    rejected_attempts = get("rejected_attempts", _NONE)
    if rejected_attempts is not _NONE:
        if type(rejected_attempts) is not list:
            return False
        for attempt in rejected_attempts:
            if type(attempt) is not dict:
                return False
            aget = attempt.get
            number, attempt_logprobs = aget("attempt"), aget("logprobs")
            if type(aget("output")) is not str or number is not None and type(number) is not int:
                return False
            if type(aget("reason")) not in _STR_OR_NONE or type(aget("feedback")) not in _STR_OR_NONE:
                return False
            for score in (aget("score"), aget("threshold")):
                if score is not None and not ((type(score) is float or type(score) is int) and -_W < score < _W):
                    return False
            if attempt_logprobs is not None and not is_plain_json(attempt_logprobs):
                return False
            if not attempt.keys() <= _ATTEMPT_FIELDS and not _plain_extras(attempt, _ATTEMPT_FIELDS):
                return False
    tags, metadata, version = get("tags", _NONE), get("metadata", _NOTHING), get("schema_version", 0)
    if tags is not _NONE and (type(tags) is not list or not _STR_TYPE.issuperset(map(type, tags))):
        return False
    if type(metadata) is not dict or type(version) is not int:
        return False
    for key, value in metadata.items():  # is_plain_json(metadata), one call less
        if type(key) is not str or type(value) not in _JSON_SCALARS and not is_plain_json(value):
            return False
    judge, logprobs = get("judge"), get("accepted_logprobs")
    if judge is not None and type(judge) is not str and (type(judge) is not dict or not is_plain_json(judge)):
        return False
    if logprobs is not None and not is_plain_json(logprobs):
        return False
    keys = tuple(raw)
    if keys == _known_keys[0]:  # the keys of the last record: orjson reuses its key objects, so this compares pointers
        return True
    if raw.keys() <= _FIELDS:
        _known_keys[0] = keys
        return True
    return _plain_extras(raw, _FIELDS)


def is_plain_record(raw: Any) -> TypeGuard[dict[str, Any]]:
    """Whether :class:`CorrectionRecord` takes ``raw`` as it is: every field exactly of the
    type the schema wants (``str``, not a subclass; a finite score), every other value plain
    JSON (:func:`is_plain_json`). A record this accepts, the model accepts and normalises
    as :func:`normalize_plain` does; ``False`` is no verdict: the model then decides, and
    names what is wrong."""
    try:
        return type(raw) is dict and _plain_fields(raw)
    except RecursionError:
        return False


def _with_extras(normalized: dict[str, Any], raw: dict[str, Any], declared: frozenset[str], copy: Callable[[Any], Any]) -> dict[str, Any]:
    """``normalized`` followed by the keys of ``raw`` its model does not declare (as ``extra="allow"`` keeps them)."""
    if not raw.keys() <= declared:
        normalized.update((key, copy(item)) for key, item in raw.items() if key not in declared)
    return normalized


def _normalized_attempt(attempt: dict[str, Any], copy: Callable[[Any], Any]) -> dict[str, Any]:
    normalized = dict(zip(_ATTEMPT_ORDER, map(attempt.get, _ATTEMPT_ORDER)))
    normalized["score"], normalized["threshold"] = _score(normalized["score"]), _score(normalized["threshold"])
    if normalized["logprobs"] is not None:
        normalized["logprobs"] = copy(normalized["logprobs"])
    return _with_extras(normalized, attempt, _ATTEMPT_FIELDS, copy)


def _normalized_plain(raw: dict[str, Any], *, copy: bool) -> dict[str, Any]:
    """What ``CorrectionRecord.model_validate(raw).model_dump()`` returns for a record
    :func:`is_plain_record` accepted; ``copy``: share no list or dict with ``raw``."""
    copied = _copy_json if copy else _as_is
    record = dict(zip(_RECORD_ORDER, map(raw.get, _RECORD_ORDER, _RECORD_DEFAULTS)))
    for name in _SCORES:
        if type(record[name]) is int:
            record[name] = float(record[name])
    attempts = [_normalized_attempt(a, copied) for a in record["rejected_attempts"] or _NONE]
    if not attempts and record["rejected_output"] is not None:  # the model's _one_attempt_from_semantix_fields
        semantix = {"output": record["rejected_output"], "score": record["rejected_score"], "reason": record["rejected_reason"]}
        attempts = [_normalized_attempt({**semantix, "feedback": record["feedback"]}, copied)]
    record["rejected_attempts"] = attempts
    if record["prompt_messages"] is not None:
        record["prompt_messages"] = [
            _with_extras({"role": m["role"], "content": copied(m.get("content"))}, m, _MESSAGE_FIELDS, copied)
            for m in record["prompt_messages"]
        ]
    record["tags"] = [] if record["tags"] is None else list(record["tags"]) if copy else record["tags"]
    record["metadata"] = {} if record["metadata"] is None else copied(record["metadata"])
    if copy:
        record["judge"], record["accepted_logprobs"] = copied(record["judge"]), copied(record["accepted_logprobs"])
    return _with_extras(record, raw, _FIELDS, copied)

"""The correction-pair record: one JSONL line per healed output, spelled out once.

:class:`CorrectionRecord` is the schema. Writers build records with :func:`make_record`,
readers check every stored line with :func:`normalize_record`; both go through the same
model, so a record that was written can always be read back, and a record that does not
fit (a wrong type, a NaN score, a message without a role) is refused with the field named.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class RecordError(ValueError):
    """A record is missing a field or holds a value that cannot be stored."""


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

    Example:
        .. code-block:: python

            record = make_record(intent="Polite", intent_description="The text must be polite.",
                                 rejected_output="No.", rejected_score=0.2, rejected_reason=None,
                                 accepted_output="No, thank you.", accepted_score=0.9,
                                 feedback="Be polite.", attempts=2)
    """
    fields = set(CorrectionRecord.model_fields)
    known = {k: extra.pop(k) for k in list(extra) if k in fields}
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise RecordError(f"attempts must be a positive int, got {attempts!r}")
    data: dict[str, Any] = {
        **known,
        "schema_version": SCHEMA_VERSION,
        "id": known.get("id") or uuid.uuid4().hex,
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
        "tags": list(known.get("tags") or []),
        "metadata": {**(known.get("metadata") or {}), **extra},
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


def to_json_line(record: Mapping[str, Any]) -> bytes:
    """One UTF-8 JSON line; raises :class:`RecordError` for values JSON or UTF-8 cannot hold."""
    try:
        text = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return (text + "\n").encode("utf-8")
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


def normalize_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check a stored record against :class:`CorrectionRecord` and fill the fields
    semantix-ai's records lack; raises :class:`RecordError` naming what is wrong."""
    if not isinstance(raw, Mapping):
        raise RecordError(f"a record must be a JSON object, got {type(raw).__name__}")
    return _validated(raw)

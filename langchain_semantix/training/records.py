"""The correction-pair record: one JSONL line per healed output."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "SEMANTIX_FIELDS",
    "RecordError",
    "make_record",
    "normalize_record",
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


class RecordError(ValueError):
    """A record is missing a field or holds a value that cannot be stored."""


def _text(value: Any, name: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _score(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RecordError(f"{name} must be a finite number or None, got {value!r}")
    return float(value)


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
    """Build and check a record; raises :class:`RecordError` naming the bad field."""
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise RecordError(f"attempts must be a positive int, got {attempts!r}")
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": extra.pop("id", None) or uuid.uuid4().hex,
        "intent": _text(intent, "intent"),
        "intent_description": _text(intent_description, "intent_description"),
        "rejected_output": _text(rejected_output, "rejected_output"),
        "rejected_score": _score(rejected_score, "rejected_score"),
        "rejected_reason": _text(rejected_reason, "rejected_reason", optional=True),
        "accepted_output": _text(accepted_output, "accepted_output"),
        "accepted_score": _score(accepted_score, "accepted_score"),
        "feedback": _text(feedback, "feedback", optional=True),
        "attempts": attempts,
        "timestamp": extra.pop("timestamp", None) or datetime.now(timezone.utc).isoformat(),
    }
    record.update(
        {
            "run_id": extra.pop("run_id", None),
            "prompt_messages": extra.pop("prompt_messages", None),
            "rejected_attempts": extra.pop("rejected_attempts", None)
            or [
                {
                    "attempt": attempts - 1,
                    "output": rejected_output,
                    "score": record["rejected_score"],
                    "reason": rejected_reason,
                    "feedback": feedback,
                }
            ],
            "threshold": _score(extra.pop("threshold", None), "threshold"),
            "judge": extra.pop("judge", None),
            "model": extra.pop("model", None),
            "tags": list(extra.pop("tags", None) or []),
            "metadata": dict(extra.pop("metadata", None) or {}),
        }
    )
    if extra:  # unknown keyword fields go to metadata rather than being dropped
        record["metadata"].update(extra)
    if redact is not None:
        record = _redacted(record, redact)
    to_json_line(record)  # fail now, before anything touches the file
    return record


def _redacted(record: dict[str, Any], redact: Redactor) -> dict[str, Any]:
    out = dict(record)
    for key in ("rejected_output", "accepted_output", "feedback", "rejected_reason"):
        if isinstance(out.get(key), str):
            out[key] = redact(out[key])
    if out.get("prompt_messages"):
        out["prompt_messages"] = [
            {**m, "content": redact(m["content"])} if isinstance(m.get("content"), str) else m
            for m in out["prompt_messages"]
        ]
    out["rejected_attempts"] = [
        {
            **a,
            **{k: redact(a[k]) for k in ("output", "feedback", "reason") if isinstance(a.get(k), str)},
        }
        for a in out.get("rejected_attempts") or []
    ]
    return out


def to_json_line(record: Mapping[str, Any]) -> bytes:
    """One UTF-8 JSON line; raises :class:`RecordError` for values JSON cannot hold."""
    try:
        text = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise RecordError(
            f"the record cannot be written as JSON ({exc}); keep metadata to str, numbers, "
            "bools, None, lists and dicts"
        ) from exc
    return (text + "\n").encode("utf-8", "surrogatepass")


def normalize_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Fill the fields semantix-ai's records lack; raise :class:`RecordError` if a required one is missing."""
    missing = [f for f in ("intent", "intent_description", "accepted_output") if f not in raw]
    if missing:
        raise RecordError(f"record is missing required field(s): {', '.join(missing)}")
    record = dict(raw)
    record.setdefault("schema_version", 0)
    record.setdefault("id", None)
    record.setdefault("run_id", None)
    record.setdefault("prompt_messages", None)
    record.setdefault("rejected_output", None)
    record.setdefault("rejected_score", None)
    record.setdefault("rejected_reason", None)
    record.setdefault("accepted_score", None)
    record.setdefault("feedback", None)
    record.setdefault("attempts", None)
    record.setdefault("timestamp", None)
    if not record.get("rejected_attempts") and record.get("rejected_output") is not None:
        record["rejected_attempts"] = [
            {
                "output": record["rejected_output"],
                "score": record["rejected_score"],
                "reason": record["rejected_reason"],
                "feedback": record["feedback"],
            }
        ]
    record.setdefault("rejected_attempts", [])
    for key in ("threshold", "judge", "model"):
        record.setdefault(key, None)
    record.setdefault("tags", [])
    record.setdefault("metadata", {})
    return record

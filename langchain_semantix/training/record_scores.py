"""The judge scores of stored records, which calibration reads from every record.

A stored line is read here with a msgspec decoder built from
:class:`~langchain_semantix.training.records.CorrectionRecord` itself, which parses and
checks a record about three times faster than parsing it and then checking its fields. It
takes a line only where every reader would take it as it is; any other line (extra keys,
deep nesting, NaN, lone surrogates, anything it refuses) is left to the reading every
other reader does, which decides, and names what is wrong.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Annotated, Any, NamedTuple, Union, get_args, get_origin

import annotated_types
import msgspec
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.types import AllowInfNan

from langchain_semantix.training.records import WIDEST_PLAIN, CorrectionRecord

__all__ = ["RecordScores", "scores_of_line", "scores_of_record"]


class RecordScores(NamedTuple):
    """One record's intent, its accepted score and the scores of its rejected attempts."""

    intent: str
    accepted: float | None
    rejected: list[float]


#: The deepest a free-form value (metadata, logprobs, content blocks, a judge's details)
#: may nest and still be read here: well below where the standard parser runs out of stack
#: (about 990 levels, fewer for a caller deep in its own stack) and skips the record, which
#: msgspec, with a stack of its own, might not. A deeper one is read the usual way.
MAX_NESTING = 100
_CONTAINERS = (list, dict)
_SCALARS = frozenset({str, int, float, bool, type(None)})
#: The model rules written out here by hand (``scores_of_line``), which a struct cannot hold:
#: a model with any other validator is refused when the struct is built.
_RULES_COPIED = {"CorrectionRecord": {"_intent_is_named", "_one_attempt_from_semantix_fields"}}
#: A score of a line read here: finite, and narrower than 2**63, so that an integer wider
#: than that (which the standard parser keeps exact) never reaches msgspec's conversion.
_Score = Annotated[float, msgspec.Meta(gt=-WIDEST_PLAIN, lt=WIDEST_PLAIN)]


def _constrained(kind: Any, rules: Iterable[object]) -> Any:
    """``kind`` under a pydantic field's constraints (its ``FieldInfo`` metadata)."""
    for rule in rules:
        if isinstance(rule, FieldInfo):
            kind = _constrained(kind, rule.metadata)
        elif isinstance(rule, annotated_types.Ge):
            kind = Annotated[kind, msgspec.Meta(ge=rule.ge)]  # type: ignore[call-overload]  # a number (annotated_types types it loosely)
        elif not isinstance(rule, AllowInfNan) or rule.allow_inf_nan:  # allow_inf_nan=False: msgspec reads no NaN nor infinity
            raise TypeError(f"record_scores: no msgspec form for the constraint {rule!r}; add one to _constrained")
    return kind


def _msgspec_type(annotation: Any) -> Any:
    """The msgspec type that reads what the pydantic model's strict ``annotation`` takes,
    or a narrower one (a line it refuses is read the usual way)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *rules = get_args(annotation)
        return _constrained(_msgspec_type(base), rules)
    if origin is Union or origin is types.UnionType:
        return Union[tuple(_msgspec_type(arg) for arg in get_args(annotation))]  # noqa: UP007 (built at run time)
    if origin is list:
        return list[_msgspec_type(get_args(annotation)[0])]  # type: ignore[misc]
    if origin is dict:
        key, value = get_args(annotation)
        return dict[_msgspec_type(key), _msgspec_type(value)]  # type: ignore[misc]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _struct(annotation)
    if annotation is float:
        return _Score
    if annotation in (str, int, type(None)) or annotation is Any:
        return annotation
    raise TypeError(f"record_scores: no msgspec form for {annotation!r}; add one to _msgspec_type")


@cache
def _struct(model: type[BaseModel]) -> type[msgspec.Struct]:
    """A msgspec struct of ``model``'s fields, types and defaults, in its order. It forbids
    the extra keys the model keeps (``extra="allow"``): a line holding any is read the usual
    way. A model rule a struct cannot hold (an alias, a lax or transforming config, a
    validator not written out in :func:`scores_of_line`) is refused by name."""
    _check_translatable(model)
    fields: list[tuple[str, Any, Any]] = []
    for name, field in model.model_fields.items():
        kind = _constrained(_msgspec_type(field.annotation), field.metadata)
        if field.is_required():
            fields.append((name, kind, msgspec.NODEFAULT))
        elif field.default_factory is not None:
            fields.append((name, kind, msgspec.field(default_factory=field.default_factory)))  # type: ignore[arg-type]
        else:
            fields.append((name, kind, field.default))
    return msgspec.defstruct(f"{model.__name__}Line", fields, kw_only=True, forbid_unknown_fields=True, module=__name__)


def _check_translatable(model: type[BaseModel]) -> None:
    problem = None
    config = {key: value for key, value in model.model_config.items() if key != "extra"}
    validators = model.__pydantic_decorators__
    rules = {*validators.field_validators, *validators.model_validators, *validators.validators, *validators.root_validators}
    if config != {"strict": True}:
        problem = f"its config {config} (only strict=True reads as msgspec does)"
    elif rules != _RULES_COPIED.get(model.__name__, set()):
        problem = f"its validators {sorted(rules)} (scores_of_line writes out {sorted(_RULES_COPIED.get(model.__name__, set()))})"
    for name, field in model.model_fields.items():
        if field.alias not in (None, name) or field.validation_alias not in (None, name):
            problem = f"the alias of its field {name}"
        elif getattr(field, "default_factory_takes_data", False):
            problem = f"the default factory of its field {name}, which takes the data"
    if problem is not None:
        raise TypeError(f"record_scores: no msgspec struct for {model.__name__}: {problem}; teach record_scores this rule")


_DECODER: msgspec.json.Decoder[Any] = msgspec.json.Decoder(_struct(CorrectionRecord))  # its struct is built at run time


def scores_of_line(line: bytes) -> RecordScores | None:
    """The scores of a stored JSON line every reader takes as it is, else ``None``: the line
    is then to be read as :func:`~langchain_semantix.training.backends.iter_checked_records`
    reads it (which skips it, or takes it in another form, and says why)."""
    try:
        record = _DECODER.decode(line)
    except (msgspec.DecodeError, RecursionError):
        return None
    intent = record.intent
    if not intent or intent.isspace() or not _shallow(record):  # isspace: CorrectionRecord's check that the intent is named
        return None
    attempt_scores = [attempt.score for attempt in record.rejected_attempts]
    return RecordScores(intent, record.accepted_score, _rejected(attempt_scores, record.rejected_output, record.rejected_score))


def _rejected(attempt_scores: list[Any], rejected_output: object, rejected_score: Any) -> list[float]:
    """The rejected scores: those of the rejected attempts, or, for a record without them,
    semantix-ai's one attempt (``rejected_output`` and ``rejected_score``), as
    ``CorrectionRecord`` builds it. A score may be stored as an int."""
    if attempt_scores:
        return [float(score) for score in attempt_scores if score is not None]
    return [float(rejected_score)] if rejected_output is not None and rejected_score is not None else []


def _shallow(record: Any) -> bool:
    """Whether no free-form value of a decoded record nests more than :data:`MAX_NESTING`
    lists and dicts deep (written for speed: most records hold no nested free-form value)."""
    logprobs, metadata, judge = record.accepted_logprobs, record.metadata, record.judge
    if type(logprobs) in _CONTAINERS and not _nests_within([logprobs]):
        return False
    if metadata and not _SCALARS.issuperset(map(type, metadata.values())) and not _nests_within(metadata):
        return False
    if type(judge) is dict and not _nests_within(judge):
        return False
    for attempt in record.rejected_attempts:
        if type(attempt.logprobs) in _CONTAINERS and not _nests_within([attempt.logprobs]):
            return False
    for message in record.prompt_messages or ():
        if type(message.content) is list and not _nests_within(message.content):
            return False
    return True


def _nests_within(holder: list[Any] | dict[str, Any]) -> bool:
    """Whether the values ``holder`` holds nest at most :data:`MAX_NESTING` deep (a walk with
    a stack of its own, so that a caller deep in its stack gets an answer, not a RecursionError)."""
    pending: list[tuple[Any, int]] = [(holder, 0)]
    while pending:
        value, depth = pending.pop()
        for item in value.values() if type(value) is dict else value:
            if type(item) in _CONTAINERS:
                if depth == MAX_NESTING:
                    return False
                pending.append((item, depth + 1))
    return True


def scores_of_record(record: Mapping[str, Any]) -> RecordScores:
    """The scores of a record :func:`~langchain_semantix.training.backends.iter_checked_records`
    yields (normalised, or plain as stored, whose scores may be ints)."""
    accepted = record.get("accepted_score")
    attempt_scores = [attempt.get("score") for attempt in record.get("rejected_attempts") or ()]
    rejected = _rejected(attempt_scores, record.get("rejected_output"), record.get("rejected_score"))
    return RecordScores(record["intent"], None if accepted is None else float(accepted), rejected)

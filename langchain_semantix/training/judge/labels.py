"""Labelled examples for judge training: where they come from, how they are stored and read."""

from __future__ import annotations

import codecs
import csv
import json
import math
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from langchain_semantix.errors import InvalidOutputError, SemantixError, require_text
from langchain_semantix.training.backends import JsonlBackend, RecordBackend, is_store_spec, open_source
from langchain_semantix.training.shared_store import SharedStoreBackend

if TYPE_CHECKING:
    from langchain_semantix.judges.base import Judge

__all__ = [
    "LabelledExample",
    "LabelError",
    "CircularLabelError",
    "LabelStore",
    "read_labels",
    "label_with",
    "labels_from_corrections",
    "labels_from_review",
    "check_trainable",
    "judge_identity",
    "as_examples",
]

LABELS_NAMESPACE = ("semantix", "labels")
_CSV_COLUMNS = ("requirement", "output", "label")


class LabelError(SemantixError, ValueError):
    """A label file or label set cannot be used; the message says where and how to fix it."""


class CircularLabelError(LabelError):
    """Labels decided by the judge being trained would teach it its own mistakes."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class LabelledExample(BaseModel):
    """One output labelled as satisfying (``label=True``) or violating a requirement.

    ``source`` says who decided the label: ``"user"``, ``"human_review"``, ``"correction"``
    (a correction pair recorded by the collector) or ``"judge:<name>"`` (a stronger judge).

    Example:
        .. code-block:: python

            LabelledExample(
                requirement="The text must politely decline an invitation.",
                output="Thank you, but I can't make it.",
                label=True,
                intent="PoliteDecline",
            )
    """

    model_config = ConfigDict(extra="forbid")

    requirement: str = Field(min_length=1)
    output: str
    label: bool = Field(strict=True)
    intent: str | None = None
    source: str = "user"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: str = Field(default_factory=_now)
    #: Score and judge behind the label when a judge decided it (provenance).
    score: float | None = Field(default=None, allow_inf_nan=False)
    judge: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("requirement", "output")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        try:
            value = require_text(value, what="the text")  # refuses text UTF-8 cannot store
        except InvalidOutputError as exc:
            raise ValueError(str(exc)) from None
        if not value.strip():
            raise ValueError("must be a non-empty text")
        return value

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value in ("user", "human_review", "correction") or (value.startswith("judge:") and len(value) > 6):
            return value
        raise ValueError("source must be 'user', 'human_review', 'correction' or 'judge:<name>'")

    @property
    def key(self) -> str:
        """Requirement key: the intent name when known, else the requirement text."""
        return self.intent or self.requirement

    @property
    def hard(self) -> bool:
        """``True`` for a negative marked as hard (``metadata["hard"]``)."""
        return bool(self.metadata.get("hard"))

    def to_record(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def judge_identity(judge: Judge | str) -> str:
    """The name used in ``source="judge:<name>"``: the judge's name and model."""
    if isinstance(judge, str):
        return judge
    model = judge.model_id
    return f"{judge.name}:{model}" if model else judge.name


def _describe_error(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "record"
        if error["type"] == "missing":
            parts.append(f"missing field {field!r}")
        elif field == "label":
            parts.append(
                f"label must be true or false (a JSON bool), got {error.get('input')!r}; write true/false, not 'yes', 1 or \"true\""
            )
        else:
            parts.append(f"{field}: {error['msg']}")
    return "; ".join(parts)


def _example(raw: Mapping[str, Any], where: str, intents: Mapping[str, Any] | None = None) -> LabelledExample:
    if not raw.get("requirement") and raw.get("intent") is not None:
        raw = {**raw, "requirement": _known_requirement(str(raw["intent"]), where, intents)}
    fields = set(LabelledExample.model_fields)
    data = {k: v for k, v in raw.items() if k in fields}
    extra = {k: v for k, v in raw.items() if k not in fields}
    if not isinstance(data.get("metadata") or {}, Mapping):
        raise LabelError(f"{where}: metadata must be a JSON object, got {type(data['metadata']).__name__}")
    if extra:
        data["metadata"] = {**extra, **(data.get("metadata") or {})}
    try:
        return LabelledExample.model_validate(data)
    except ValidationError as exc:
        raise LabelError(f"{where}: {_describe_error(exc)}") from exc


def _known_requirement(name: str, where: str, intents: Mapping[str, Any] | None) -> str:
    if intents and name in intents:
        return _requirement_of(intents[name])[0]
    known = ", ".join(sorted(intents or {})) or "none given"
    raise LabelError(
        f"{where}: unknown requirement: intent {name!r} has no requirement text (known intents: {known}); "
        "add a 'requirement' field with the requirement text, or pass intents={name: IntentClass}"
    )


_CSV_BOOLS = {"true": True, "false": False}


def as_examples(items: object, *, what: str = "examples") -> list[LabelledExample]:
    """``items`` as a list of :class:`LabelledExample`; dicts are validated like a label file's
    lines. Anything else raises :class:`LabelError` naming the item and the fix."""
    if isinstance(items, (str, bytes, Mapping, BaseModel)) or not isinstance(items, Iterable):
        raise LabelError(f"{what} must be a list of LabelledExample (read_labels(path) returns one), got {type(items).__name__}")
    examples: list[LabelledExample] = []
    for n, item in enumerate(items):
        if isinstance(item, LabelledExample):
            examples.append(item)
        elif isinstance(item, Mapping):
            examples.append(_example(item, f"{what}[{n}]"))
        else:
            raise LabelError(f"{what}[{n}] is a {type(item).__name__}, not a LabelledExample or a dict with requirement, output and label")
    return examples


def _read_csv(path: Path, intents: Mapping[str, Any] | None) -> Iterator[LabelledExample]:
    with open(path, newline="", encoding="utf-8-sig") as handle:  # utf-8-sig: a BOM is not part of the header
        reader = csv.DictReader(handle)
        try:
            yield from _csv_examples(path, reader, intents)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise LabelError(f"{path}:{reader.line_num + 1}: not readable as UTF-8 CSV ({exc}); save the file as UTF-8 CSV") from None


def _csv_examples(path: Path, reader: csv.DictReader[str], intents: Mapping[str, Any] | None) -> Iterator[LabelledExample]:
    columns = reader.fieldnames or []
    missing = [c for c in _CSV_COLUMNS if c not in columns and not (c == "requirement" and "intent" in columns)]
    if missing:
        raise LabelError(f"{path}:1: missing column(s) {', '.join(missing)}; the header must be requirement,output,label[,intent,source]")
    for row in reader:
        where = f"{path}:{reader.line_num}"
        raw: dict[str, Any] = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
        label = str(row.get("label") or "").strip().lower()
        if label not in _CSV_BOOLS:
            raise LabelError(f"{where}: label must be true or false, got {row.get('label')!r}")
        raw["label"] = _CSV_BOOLS[label]
        if "hard" in raw:
            raw["hard"] = str(raw["hard"]).strip().lower() == "true"
        yield _example(raw, where, intents)


def _read_jsonl(path: Path, intents: Mapping[str, Any] | None) -> Iterator[LabelledExample]:
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(line.decode("utf-8"))
            except RecursionError:
                raise LabelError(f"{where}: JSON nested too deeply to read; each line must be one flat JSON object") from None
            except (ValueError, UnicodeDecodeError) as exc:
                raise LabelError(f"{where}: not valid JSON ({exc}); each line must be one JSON object") from exc
            if not isinstance(raw, dict):
                raise LabelError(f"{where}: expected a JSON object, got {type(raw).__name__}")
            yield _example(raw, where, intents)


def read_labels(path: str | os.PathLike[str], *, intents: Mapping[str, Any] | None = None) -> list[LabelledExample]:
    """Read labelled examples from a JSONL or CSV file (columns ``requirement,output,label[,intent,source]``),
    or from a PostgreSQL store named by ``postgresql://...[#namespace]`` (namespace
    ``semantix.labels`` unless the fragment names another; needs the ``postgres`` extra).

    Fields other than the example's own (e.g. ``hard``, ``requirement_id``) go to ``metadata``.
    A line may name an ``intent`` instead of a ``requirement`` when ``intents`` maps that name
    to its ``Intent`` class (or requirement text); an unknown one is an error.
    Raises :class:`LabelError` naming ``file:line`` for a bad line, and for an empty file.

    Example:
        .. code-block:: python

            examples = read_labels("labels.jsonl")
    """
    if not isinstance(path, (str, os.PathLike)) or isinstance(os.fspath(path), bytes):
        raise TypeError(
            f"read_labels' path must be the path of a JSONL or CSV label file (str or Path) or a postgresql:// "
            f"store, got {type(path).__name__}"
        )
    if intents is not None and not isinstance(intents, Mapping):
        raise TypeError(
            f"read_labels' intents must be a mapping of intent name to its Intent class or requirement text, "
            f"e.g. intents={{'PoliteDecline': PoliteDecline}}, got {type(intents).__name__}"
        )
    if is_store_spec(path):
        return _read_store(path)
    path = Path(path)
    if not path.exists():
        raise LabelError(f"{path} does not exist; give the path of a JSONL or CSV label file")
    if path.is_dir():
        raise LabelError(f"{path} is a directory; give the path of a JSONL or CSV label file")
    if not path.is_file():
        raise LabelError(f"{path} is not a regular file (a device, pipe or socket); give the path of a JSONL or CSV label file")
    reader = _read_csv if path.suffix.lower() == ".csv" else _read_jsonl
    examples = list(reader(path, intents))
    if not examples:
        raise LabelError(f'{path} holds no labelled examples; add lines such as {{"requirement": "...", "output": "...", "label": true}}')
    return examples


def _read_store(spec: str) -> list[LabelledExample]:
    from langchain_semantix.training.postgres import open_spec, redact

    with open_spec(spec, namespace=LABELS_NAMESPACE) as backend:
        examples = list(LabelStore(backend))
    if not examples:
        raise LabelError(f"{redact(spec)} holds no labelled examples (namespace: the #fragment, else semantix.labels)")
    return examples


def check_trainable(examples: Sequence[LabelledExample], *, what: str = "the labels") -> None:
    """Raise :class:`LabelError` unless ``examples`` hold both a positive and a negative."""
    examples = as_examples(examples, what=what)
    if not examples:
        raise LabelError(f"{what} are empty; label some outputs first (read_labels, label_with, LabelStore)")
    classes = {e.label for e in examples}
    if len(classes) < 2:
        only = "positive (label true)" if True in classes else "negative (label false)"
        raise LabelError(
            f"{what} hold only {only} examples; a judge needs both: add outputs that "
            f"{'violate' if True in classes else 'satisfy'} the requirement"
        )


class LabelStore:
    """Append-only storage of labelled examples: a durable JSONL file or a LangGraph ``BaseStore``.

    Appends go through the package's record backends (``JsonlFile`` under a file lock, or
    ``SharedStoreBackend`` for ``InMemoryStore``/``SqliteStore``/``PostgresStore``).

    Example:
        .. code-block:: python

            store = LabelStore("labels.jsonl")
            store.add(LabelledExample(requirement="...", output="...", label=True))
            examples = store.examples()
    """

    def __init__(self, target: str | os.PathLike[str] | RecordBackend | Any, *, namespace: tuple[str, ...] = LABELS_NAMESPACE) -> None:
        from langgraph.store.base import BaseStore

        if target is None or isinstance(target, (bytes, bool, int, float)):
            raise TypeError(f"LabelStore needs a JSONL path, a LangGraph BaseStore or a postgresql:// spec, got {target!r:.80}")
        if isinstance(target, BaseStore):
            self.backend: RecordBackend = SharedStoreBackend(target, namespace)
        elif is_store_spec(target):
            from langchain_semantix.training.postgres import ConnectionStringSource

            self.backend = ConnectionStringSource(target, namespace=namespace)
        elif isinstance(target, (str, os.PathLike)):
            self.backend = JsonlBackend(target)
            self.backend.file.check_destination()  # a folder that cannot take labels fails now, not at the first label
        else:
            self.backend = open_source(target)

    @property
    def path(self) -> Path | None:
        """The JSONL file, for a file-backed store."""
        return self.backend.path if isinstance(self.backend, JsonlBackend) else None

    def add(self, example: LabelledExample) -> None:
        if isinstance(example, Mapping):
            example = _example(example, "example")
        if not isinstance(example, LabelledExample):
            raise LabelError(f"LabelStore.add takes a LabelledExample, got {type(example).__name__}")
        self.add_many([example])

    def add_many(self, examples: Iterable[LabelledExample]) -> int:
        """Append examples (or dicts with their fields, validated); for a file, all lines
        are written in one locked write, and a bad example writes nothing."""
        records = [e.to_record() for e in as_examples(examples)]
        if isinstance(self.backend, JsonlBackend):
            return self.backend.file.append_many(records)
        for record in records:
            self.backend.append(record)
        return len(records)

    def __iter__(self) -> Iterator[LabelledExample]:
        for n, raw in enumerate(self.backend, start=1):
            yield _example(raw, f"{self.backend.describe()}:{n}")

    def examples(self) -> list[LabelledExample]:
        return list(self)

    def __len__(self) -> int:
        return sum(1 for _ in self.backend)

    def __repr__(self) -> str:
        return f"LabelStore({self.backend.describe()!r})"


def label_with(
    judge: Judge,
    outputs: Sequence[str],
    intent: Any,
    *,
    threshold: float | None = None,
    store: LabelStore | None = None,
) -> list[LabelledExample]:
    """Label ``outputs`` against one requirement with a (stronger) judge, in one batch.

    ``intent`` is an ``Intent`` class or a requirement text. The examples carry
    ``source="judge:<name>"`` and the judge's score; they are appended to ``store`` if given.

    Example:
        .. code-block:: python

            examples = label_with(LLMJudge(chat_model), outputs, PoliteDecline)
    """
    from langchain_semantix.judges.base import Judge

    if not isinstance(judge, Judge):
        raise TypeError(f"judge must be a Judge (e.g. LLMJudge(chat_model)), got {judge!r:.80}")
    if isinstance(outputs, (str, bytes)) or not isinstance(outputs, Iterable):
        raise TypeError(f"outputs must be a list of texts; to label one text pass [text], got {outputs!r:.80}")
    outputs = list(outputs)
    requirement, name = _requirement_of(intent)
    if threshold is None:
        threshold = getattr(intent, "threshold", None)
    verdicts = judge.evaluate_batch([(o, requirement) for o in outputs], threshold)
    identity = judge_identity(judge)
    for n, v in enumerate(verdicts):
        if v.score is not None and not math.isfinite(v.score):
            raise LabelError(
                f"judge {identity} returned the score {v.score!r} for output {n} ({outputs[n]!r:.60}); a label needs "
                "a finite score (or none): fix the judge, or label these outputs with another one"
            )
    examples = [
        LabelledExample(
            requirement=requirement,
            output=o,
            label=v.passed,
            intent=name,
            source=f"judge:{identity}",
            score=v.score,
            judge=identity,
            metadata={"reason": v.reason} if v.reason else {},
        )
        for o, v in zip(outputs, verdicts)
    ]
    if store is not None:
        store.add_many(examples)
    return examples


def _requirement_of(intent: Any) -> tuple[str, str | None]:
    if isinstance(intent, str):
        if not intent.strip():
            raise LabelError("the requirement is empty; pass an Intent class or a requirement text")
        return intent, None
    describe = getattr(intent, "description", None)
    if callable(describe):
        return str(describe()), getattr(intent, "__name__", None)
    raise LabelError(f"cannot read a requirement from {type(intent).__name__}; pass an Intent class or a text")


def _record_judge(record: Mapping[str, Any]) -> tuple[str | None, str | None]:
    judge = record.get("judge")
    if isinstance(judge, Mapping):
        return judge.get("name"), judge.get("model")
    return (str(judge) if judge else None), record.get("model")


def _same_judge(decider: tuple[str | None, str | None], trained: Judge | str) -> bool:
    """Unknown deciders count as the same judge: nothing shows the labels are independent."""
    name, model = decider
    if name is None:
        return True
    if isinstance(trained, str):
        t_name, _, t_model = trained.partition(":")
        return name in (trained, t_name) and (not t_model or not model or model == t_model)
    return name == trained.name and (model is None or trained.model_id is None or model == trained.model_id)


def labels_from_corrections(
    records: Iterable[Mapping[str, Any]] | str | os.PathLike[str] | Any,
    *,
    judge_being_trained: Judge | str | None,
    allow_circular: bool = False,
) -> list[LabelledExample]:
    """Labels from correction pairs: each accepted output positive, each rejected attempt negative.

    A pair's labels are the verdicts of the judge that decided it. Training a judge on its own
    verdicts teaches it its own mistakes, so records decided by ``judge_being_trained`` (same
    name, or same name and model) raise :class:`CircularLabelError` unless ``allow_circular=True``.
    Records with no judge recorded are treated as circular too (nothing shows they are not).

    Example:
        .. code-block:: python

            examples = labels_from_corrections("corrections.jsonl", judge_being_trained=my_local_judge)
    """
    from langchain_semantix.training.backends import iter_records

    if isinstance(records, (str, os.PathLike)) or not isinstance(records, Iterable):
        items: Iterable[Mapping[str, Any]] = iter_records(records)
    else:
        items = _checked_records(cast(Iterable[Any], records))
    examples: list[LabelledExample] = []
    for n, record in enumerate(items, start=1):
        name, model = _record_judge(record)
        decider = f"{name}:{model}" if name and model else name
        if judge_being_trained is not None and not allow_circular and _same_judge((name, model), judge_being_trained):
            raise CircularLabelError(
                f"correction record {n} ({record.get('intent')}) was decided by {decider or 'an unrecorded judge'}, "
                f"the judge being trained is {judge_identity(judge_being_trained)}: its labels would teach the "
                "judge its own mistakes. Label these outputs with another judge (label_with) or by people, "
                "or pass allow_circular=True"
            )
        common = {
            "requirement": record["intent_description"],
            "intent": record.get("intent"),
            "source": "correction",
            "judge": decider,
            "metadata": {"record_id": record.get("id")},
        }
        examples.append(LabelledExample(output=record["accepted_output"], label=True, score=record.get("accepted_score"), **common))
        for attempt in record.get("rejected_attempts") or []:
            if attempt.get("output") and str(attempt["output"]).strip():
                examples.append(LabelledExample(output=attempt["output"], label=False, score=attempt.get("score"), **common))
    return examples


def _checked_records(records: Iterable[Any]) -> Iterator[dict[str, Any]]:
    from langchain_semantix.training.records import RecordError, normalize_record

    for n, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            raise LabelError(f"correction record {n} is a {type(record).__name__}, not a record dict")
        try:
            yield normalize_record(dict(record))
        except RecordError as exc:
            raise LabelError(f"correction record {n}: {exc}") from None


def labels_from_review(review: Mapping[str, Any], *, source: str = "human_review") -> list[LabelledExample]:
    """Labels from a person's decision in the retry subgraph's review interrupt.

    ``review`` is the outcome's ``review`` dict: ``{"decision": "approve"|"edit"|"reject",
    "draft": str, "content": str|None, "intents": [{"name", "description", "threshold"}]}``.
    Approve: the draft is a positive for each intent. Edit: the edit is a positive and the
    draft a negative. Reject: the draft is a negative.

    Example:
        .. code-block:: python

            labels = labels_from_review(outcome["review"])
    """
    if not isinstance(review, Mapping):
        raise LabelError(f"review must be the outcome's 'review' dict (decision, draft, content, intents), got {type(review).__name__}")
    decision = review.get("decision")
    draft, content = review.get("draft"), review.get("content")
    if decision not in ("approve", "edit", "reject"):
        raise LabelError(f"review decision must be 'approve', 'edit' or 'reject', got {decision!r}")
    if not isinstance(draft, str) or not draft.strip():
        raise LabelError("the review has no draft text; it must carry the draft the person reviewed")
    labelled: list[tuple[str, bool]]
    if decision == "approve":
        labelled = [(draft, True)]
    elif decision == "reject":
        labelled = [(draft, False)]
    else:
        if not isinstance(content, str) or not content.strip():
            raise LabelError("an 'edit' review needs the edited answer in 'content'")
        labelled = [(content, True)] if content == draft else [(content, True), (draft, False)]
    intents = review.get("intents") or []
    if not intents:
        raise LabelError("the review names no intents; it must list the intents the draft was judged against")
    for i in intents:
        if not isinstance(i, Mapping) or not isinstance(i.get("description"), str):
            raise LabelError(f"each intent of the review needs its 'description' (the requirement text), got {i!r:.80}")
    return [
        LabelledExample(
            requirement=i["description"], intent=i.get("name"), output=text, label=label, source=source, metadata={"decision": decision}
        )
        for i in intents
        for text, label in labelled
    ]

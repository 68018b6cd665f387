"""Where records live: a JSONL file, or a LangGraph ``BaseStore`` shared by many workers."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeGuard, cast

from langchain_semantix.training.jsonl import (
    DEFAULT_MAX_LINE_BYTES,
    FRAGMENT_REASON,
    CorruptLineError,
    JsonlFile,
    iter_jsonl_lines,
    iter_read_lines,
    parse_json_object,
    record_behind_fragment,
    skip_line,
)
from langchain_semantix.training.records import RecordError, normalize_plain, normalize_record, plain_record_of_line, to_json_line

if TYPE_CHECKING:  # LangGraph loads only for a store: reading a file needs none of it
    from langgraph.store.base import BaseStore

    from langchain_semantix.training.record_scores import RecordScores

__all__ = ["RecordBackend", "JsonlBackend", "StoreBackend", "Source", "open_source", "iter_records", "check_intent_filter"]

DEFAULT_NAMESPACE = ("semantix", "corrections")


class RecordBackend(Protocol):
    """Appends records and reads them back in order."""

    def append(self, record: dict[str, Any]) -> None: ...

    def __iter__(self) -> Iterator[dict[str, Any]]: ...

    def describe(self) -> str: ...


class JsonlBackend:
    """Records as lines of a durable JSONL file."""

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = False, lock_timeout: float = 30.0) -> None:
        self.file = JsonlFile(path, fsync=fsync, lock_timeout=lock_timeout)

    @property
    def path(self) -> Path:
        return self.file.path

    def append(self, record: dict[str, Any]) -> None:
        self.file.append(record)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.file.path.exists():
            return iter(())
        return (value for _, value in iter_jsonl_lines(self.file.path))

    def describe(self) -> str:
        return str(self.file.path)


class StoreBackend:
    """Records as items of a LangGraph ``BaseStore`` (InMemoryStore, SqliteStore,
    PostgresStore), keyed by record id under ``namespace``: many workers on many hosts
    can collect into one database."""

    def __init__(self, store: BaseStore, namespace: tuple[str, ...] = DEFAULT_NAMESPACE, *, page_size: int = 500) -> None:
        self.store = store
        self.namespace = tuple(namespace)
        self.page_size = page_size

    def append(self, record: dict[str, Any]) -> None:
        to_json_line(record)  # same serialisability check as the file backend
        self.store.put(self.namespace, record["id"], record, index=False)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            items = self.store.search(self.namespace, limit=self.page_size, offset=offset)
            for item in items:
                yield dict(item.value)
            if len(items) < self.page_size:
                return
            offset += self.page_size

    def describe(self) -> str:
        return f"{type(self.store).__name__}{list(self.namespace)}"


Source: TypeAlias = "str | os.PathLike[str] | RecordBackend | BaseStore | Any"


def _is_base_store(source: object) -> TypeGuard[BaseStore]:
    # without langgraph.store.base loaded, no BaseStore can exist, so it need not be loaded
    module = sys.modules.get("langgraph.store.base")
    return module is not None and isinstance(source, module.BaseStore)


#: Sources given as strings with these prefixes are PostgreSQL stores, not file paths.
CONNECTION_PREFIXES = ("postgresql://", "postgres://")


def is_store_spec(source: object) -> TypeGuard[str]:
    """Whether ``source`` is a ``postgresql://`` connection string rather than a path."""
    return isinstance(source, str) and source.startswith(CONNECTION_PREFIXES)


def open_source(source: Source) -> RecordBackend:
    """A backend for a path, a store, a collector or a backend."""
    if is_store_spec(source):
        from langchain_semantix.training.postgres import ConnectionStringSource

        return ConnectionStringSource(source)
    if isinstance(source, (str, os.PathLike)):
        return JsonlBackend(source)
    if _is_base_store(source):
        from langchain_semantix.training.shared_store import SharedStoreBackend  # imports this module

        return SharedStoreBackend(source)
    backend = getattr(source, "backend", None)
    if backend is not None:
        return backend  # a TrainingCollector
    if hasattr(source, "append") and hasattr(source, "__iter__"):
        return cast(RecordBackend, source)  # an object with the backend methods
    raise TypeError(f"cannot read records from {type(source).__name__}; pass a JSONL path, a BaseStore or a TrainingCollector")


def iter_records(
    source: Source,
    *,
    intent_filter: str | None = None,
    skipped: list[str] | None = None,
    missing_ok: bool = False,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[dict[str, Any]]:
    """Records from any source, checked against the record schema and normalised.

    A line or item that is not a valid record (bad JSON, a wrong field type, a missing
    field, text with a lone surrogate, a line longer than ``max_line_bytes``) is skipped
    with a :class:`~langchain_semantix.training.jsonl.CorruptLineWarning` naming
    ``file:line``, and its description is appended to ``skipped``. A missing JSONL file
    raises :class:`FileNotFoundError` unless ``missing_ok`` (then it holds no records); a
    device or FIFO raises :class:`~langchain_semantix.training.jsonl.NotARegularFileError`.
    An ``intent_filter`` that is not a string, or is blank, is refused at the call (see
    :func:`check_intent_filter`).
    """
    check_intent_filter(intent_filter)
    return _iter_records(source, intent_filter, skipped, missing_ok, max_line_bytes)


def check_intent_filter(intent_filter: object) -> None:
    """Refuse an ``intent_filter`` that could match no record: not a string
    (:class:`TypeError`), or empty or only whitespace (:class:`ValueError`, where ``None``
    was meant: every intent)."""
    if intent_filter is None:
        return
    if not isinstance(intent_filter, str):
        raise TypeError(
            f"intent_filter must be an intent name (str) or None for every intent, got {type(intent_filter).__name__} {intent_filter!r:.60}"
        )
    if not intent_filter.strip():
        raise ValueError(
            f"intent_filter must name an intent, but it is {'empty' if not intent_filter else 'only whitespace'} ({intent_filter!r:.60}), "
            "which no record's intent can be; give an intent name such as 'Polite', or leave it out (None) to take every intent"
        )


def _iter_records(
    source: Source, intent_filter: str | None, skipped: list[str] | None, missing_ok: bool, max_line_bytes: int
) -> Iterator[dict[str, Any]]:
    for record, plain in iter_checked_records(source, skipped=skipped, missing_ok=missing_ok, max_line_bytes=max_line_bytes):
        if intent_filter and record["intent"] != intent_filter:
            continue
        yield normalize_plain(record) if plain else record


def iter_checked_records(
    source: Source,
    *,
    skipped: list[str] | None = None,
    missing_ok: bool = False,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[tuple[dict[str, Any], bool]]:
    """:func:`iter_records`' records, each checked as it does, with whether it is *plain*:
    a plain record comes as stored (see :func:`~langchain_semantix.training.records.plain_record_of_line`),
    for a reader that needs only a few fields; :func:`~langchain_semantix.training.records.normalize_plain`
    normalises it. The others come normalised."""
    opened = _opened(source, missing_ok)
    if opened is None:
        return iter(())
    if not isinstance(opened, Path):
        return _backend_records(opened, skipped)
    return iter_read_lines(opened, _record_reader(opened, skipped), skipped=skipped, max_line_bytes=max_line_bytes)


def iter_record_scores(
    source: Source,
    *,
    skipped: list[str] | None = None,
    missing_ok: bool = False,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[RecordScores]:
    """The scores of :func:`iter_checked_records`' records, which skips the same records;
    a stored line :func:`~langchain_semantix.training.record_scores.scores_of_line` takes
    is read no further."""
    from langchain_semantix.training.record_scores import scores_of_line, scores_of_record

    opened = _opened(source, missing_ok)
    if opened is None:
        return iter(())
    if not isinstance(opened, Path):
        return (scores_of_record(record) for record, _ in _backend_records(opened, skipped))
    read_record = _record_reader(opened, skipped)

    def read(number: int, line: bytes) -> RecordScores | None:
        scores = scores_of_line(line)
        if scores is None and (found := read_record(number, line)) is not None:
            return scores_of_record(found[0])
        return scores

    return iter_read_lines(opened, read, skipped=skipped, max_line_bytes=max_line_bytes)


def _opened(source: Source, missing_ok: bool) -> RecordBackend | Path | None:
    """The path of a JSONL source, else its backend; ``None`` for a missing file with ``missing_ok``."""
    backend = open_source(source)
    if not isinstance(backend, JsonlBackend):
        return backend
    return None if missing_ok and not backend.path.exists() else backend.path


def _backend_records(backend: RecordBackend, skipped: list[str] | None) -> Iterator[tuple[dict[str, Any], bool]]:
    where = backend.describe() + " item"
    for number, raw in enumerate(iter(backend), start=1):
        try:
            record = normalize_record(raw)
        except RecordError as exc:
            skip_line(where, number, str(exc), skipped)
            continue
        yield record, False


def _record_reader(path: Path, skipped: list[str] | None) -> Callable[[int, bytes], tuple[dict[str, Any], bool] | None]:
    """What :func:`iter_checked_records` makes of one line of ``path``."""

    def read(number: int, line: bytes) -> tuple[dict[str, Any], bool] | None:
        record = plain_record_of_line(line)
        if record is not None:
            return record, True
        try:  # read exactly, so that what is wrong is named
            return normalize_record(parse_json_object(line)), False
        except (CorruptLineError, RecordError) as exc:
            behind = _record_behind_fragment(line) if isinstance(exc, CorruptLineError) else None
            skip_line(path, number, str(exc) if behind is None else FRAGMENT_REASON, skipped)
            return None if behind is None else (behind, False)

    return read


def _record_behind_fragment(line: bytes) -> dict[str, Any] | None:
    """The valid record a line holds behind a killed writer's fragment, normalised."""
    found = record_behind_fragment(line)
    try:
        return None if found is None else normalize_record(found)
    except RecordError:
        return None

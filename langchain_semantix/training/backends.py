"""Where records live: a JSONL file, or a LangGraph ``BaseStore`` shared by many workers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from langgraph.store.base import BaseStore

from langchain_semantix.training.jsonl import JsonlFile, read_jsonl
from langchain_semantix.training.records import RecordError, normalize_record, to_json_line

__all__ = ["RecordBackend", "JsonlBackend", "StoreBackend", "Source", "open_source", "iter_records"]

DEFAULT_NAMESPACE = ("semantix", "corrections")


class RecordBackend(Protocol):
    """Appends records and reads them back in order."""

    def append(self, record: dict[str, Any]) -> None: ...

    def __iter__(self) -> Iterator[dict[str, Any]]: ...

    def describe(self) -> str: ...


class JsonlBackend:
    """Records as lines of a durable JSONL file."""

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = False) -> None:
        self.file = JsonlFile(path, fsync=fsync)

    @property
    def path(self) -> Path:
        return self.file.path

    def append(self, record: dict[str, Any]) -> None:
        self.file.append(record)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return read_jsonl(self.file.path)

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


Source = str | os.PathLike | RecordBackend | BaseStore | Any


def open_source(source: Source) -> RecordBackend:
    """A backend for a path, a store, a collector or a backend."""
    if isinstance(source, str) and source.startswith(("postgresql://", "postgres://")):
        from langchain_semantix.training.postgres import ConnectionStringSource

        return ConnectionStringSource(source)
    if isinstance(source, (str, os.PathLike)):
        return JsonlBackend(source)
    if isinstance(source, BaseStore):
        from langchain_semantix.training.shared_store import SharedStoreBackend  # imports this module

        return SharedStoreBackend(source)
    backend = getattr(source, "backend", None)
    if backend is not None:
        return backend  # a TrainingCollector
    if hasattr(source, "append") and hasattr(source, "__iter__"):
        return source  # type: ignore[no-any-return]
    raise TypeError(
        f"cannot read records from {type(source).__name__}; pass a JSONL path, a BaseStore "
        "or a TrainingCollector"
    )


def iter_records(
    source: Source, *, intent_filter: str | None = None, skipped: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Normalised records from any source; records missing required fields are skipped
    (their descriptions go to ``skipped``)."""
    backend = open_source(source)
    lines: list[int] = []
    if isinstance(backend, JsonlBackend):
        raw_iter: Iterator[dict[str, Any]] = read_jsonl(backend.path, skipped=lines)
    else:
        raw_iter = iter(backend)
    for n, raw in enumerate(raw_iter, start=1):
        try:
            record = normalize_record(raw)
        except RecordError as exc:
            if skipped is not None:
                skipped.append(f"record {n}: {exc}")
            continue
        if intent_filter and record["intent"] != intent_filter:
            continue
        yield record
    if skipped is not None:
        skipped.extend(f"line {n}: corrupt JSON" for n in lines)

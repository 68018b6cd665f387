"""Durable JSONL: whole-line appends under a thread and a cross-process lock."""

from __future__ import annotations

import json
import os
import stat
import threading
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

from langchain_semantix.training.records import to_json_line

__all__ = ["JsonlFile", "read_jsonl", "CorruptLineWarning"]

_TAIL_CHUNK = 64 * 1024


class CorruptLineWarning(UserWarning):
    """A JSONL line could not be parsed and was skipped."""


class JsonlFile:
    """An append-only JSONL file that survives crashes and concurrent writers.

    Every append writes whole lines in one ``write`` while holding a thread lock and a
    ``filelock`` lock on ``<path>.lock``. If an earlier writer died mid-line, the torn
    tail is moved to ``<path>.torn`` and cut off before the next append, so the file
    only ever holds complete lines. ``fsync=True`` makes each append durable on disk.
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = False) -> None:
        self.path = Path(path)
        self.fsync = fsync
        if self.path.is_dir():
            raise IsADirectoryError(
                f"{self.path} is a directory; give a file path such as {self.path / 'data.jsonl'}"
            )
        self._thread_lock = threading.Lock()
        self._file_lock: FileLock | None = None

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _check_writable(self) -> None:
        if self.path.is_dir():
            raise IsADirectoryError(f"{self.path} is a directory; give a file path")
        if self.path.exists() and not (self.path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)):
            raise PermissionError(
                f"{self.path} is read-only; make it writable (chmod u+w) or choose another path"
            )

    def append(self, record: dict[str, Any]) -> None:
        """Append one record as one line."""
        self.append_many([record])

    def append_many(self, records: Iterable[dict[str, Any]]) -> int:
        """Append records; all lines are serialised first, so a bad one writes nothing."""
        payload = b"".join(to_json_line(r) for r in records)
        if not payload:
            return 0
        self._check_writable()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock:
            if self._file_lock is None:
                self._file_lock = FileLock(str(self.lock_path))
            with self._file_lock:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
                try:
                    self._repair_tail(fd)
                    view = memoryview(payload)
                    while view:
                        written = os.write(fd, view)
                        view = view[written:]
                    if self.fsync:
                        os.fsync(fd)
                finally:
                    os.close(fd)
        return payload.count(b"\n")

    def _repair_tail(self, fd: int) -> None:
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return
        end = size
        while end > 0:
            start = max(0, end - _TAIL_CHUNK)
            chunk = os.pread(fd, end - start, start)
            cut = chunk.rfind(b"\n")
            if cut != -1:
                keep = start + cut + 1
                break
            end = start
        else:
            keep = 0
        torn = os.pread(fd, size - keep, keep)
        with open(self.path.with_name(self.path.name + ".torn"), "ab") as sidecar:
            sidecar.write(torn + b"\n")
        os.ftruncate(fd, keep)
        warnings.warn(
            f"{self.path}: moved a torn last line ({len(torn)} bytes, from an interrupted "
            f"writer) to {self.path.name}.torn before appending",
            CorruptLineWarning,
            stacklevel=4,
        )

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return read_jsonl(self.path)


def read_jsonl(path: str | os.PathLike[str], *, skipped: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSONL file; a missing file yields nothing.

    Corrupt lines (bad JSON, not an object, bad UTF-8) are skipped with a
    :class:`CorruptLineWarning` naming the line number; their numbers are appended to
    ``skipped`` when given.
    """
    path = Path(path)
    if not path.exists():
        return
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a JSONL file")
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8"))
                if not isinstance(value, dict):
                    raise ValueError(f"expected a JSON object, got {type(value).__name__}")
            except (ValueError, UnicodeDecodeError) as exc:
                warnings.warn(
                    f"{path}:{number}: skipped a corrupt line ({exc})", CorruptLineWarning, stacklevel=2
                )
                if skipped is not None:
                    skipped.append(number)
                continue
            yield value

"""Durable JSONL: whole-line appends under a thread and a cross-process lock."""

from __future__ import annotations

import asyncio
import glob
import json
import os
import re
import stat
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO

from filelock import FileLock, Timeout

from langchain_semantix.training.records import to_json_line

__all__ = [
    "JsonlFile",
    "read_jsonl",
    "iter_jsonl_lines",
    "CorruptLineWarning",
    "LockTimeoutError",
    "open_sidecar",
    "AtomicWriter",
    "BackgroundWriter",
    "on_event_loop",
    "remove_stale_temp_files",
]

_TAIL_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class CorruptLineWarning(UserWarning):
    """A JSONL line could not be parsed (or is not a valid record) and was skipped."""


class LockTimeoutError(TimeoutError):
    """The lock of a JSONL file could not be taken in time."""


def open_sidecar(path: Path, flags: int, mode: int = 0o666) -> int:
    """Open a file created beside user data (``.torn``, ``.tmp``) without following a
    symlink planted at its name, so a write can never be redirected elsewhere."""
    try:
        return os.open(path, flags | _NOFOLLOW, mode)
    except OSError as exc:
        if path.is_symlink():
            raise PermissionError(f"{path} is a symbolic link; refusing to write through it (remove it)") from exc
        raise


class JsonlFile:
    """An append-only JSONL file that survives crashes and concurrent writers.

    Every append writes whole lines in one ``write`` while holding a thread lock and a
    ``filelock`` lock on ``<path>.lock`` (both with ``lock_timeout``, so nothing waits
    forever). Before appending, an unfinished last line is dealt with:

    * a last line that is valid JSON and only lacks ``"\\n"`` is completed, never moved;
    * a last line that is still growing (a writer that does not use the lock, such as
      semantix-ai's own collector) is waited for until it ends;
    * only a fragment that stays unfinished for ``torn_grace`` seconds while we hold the
      lock (so no cooperating writer is alive) is proven torn: it is copied to
      ``<path>.torn`` and cut off.

    ``fsync=True`` makes each append durable on disk.

    Example:
        .. code-block:: python

            f = JsonlFile("data/calls.jsonl")
            f.append({"a": 1})
            list(f)   # [{"a": 1}]
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fsync: bool = False,
        lock_timeout: float = 30.0,
        torn_grace: float = 1.0,
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.lock_timeout = lock_timeout
        self.torn_grace = torn_grace
        if self.path.is_dir():
            raise IsADirectoryError(f"{self.path} is a directory; give a file path such as {self.path / 'data.jsonl'}")
        self._thread_lock = threading.Lock()
        self._file_lock: FileLock | None = None

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def torn_path(self) -> Path:
        return self.path.with_name(self.path.name + ".torn")

    def check_destination(self) -> None:
        """Fail now, with the fix, if records could not be appended here later
        (a missing or read-only folder, a path under ``/proc``, a read-only file)."""
        parent = self.path.parent
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(f"{parent} is not a folder; choose a path inside a folder")
        try:
            parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666))
        except OSError as exc:
            raise PermissionError(
                f"cannot write beside {self.path} (creating {self.lock_path.name} failed: {exc.strerror or exc}); choose a writable folder"
            ) from exc
        self._check_file()

    def _check_file(self) -> None:
        if self.path.is_dir():
            raise IsADirectoryError(f"{self.path} is a directory; give a file path")
        if self.path.exists():
            mode = self.path.stat().st_mode
            if not stat.S_ISREG(mode):
                raise PermissionError(f"{self.path} is not a regular file; choose a file path")
            if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
                raise PermissionError(f"{self.path} is read-only; make it writable (chmod u+w) or choose another path")

    def append(self, record: dict[str, Any]) -> None:
        """Append one record as one line."""
        self.append_many([record])

    async def aappend(self, record: dict[str, Any]) -> None:
        """:meth:`append` in a worker thread, so waiting for the lock never blocks the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.append, record)

    def append_many(self, records: Iterable[dict[str, Any]]) -> int:
        """Append records; all lines are serialised first, so a bad one writes nothing."""
        payload = b"".join(to_json_line(r) for r in records)
        if not payload:
            return 0
        return self.append_bytes(payload)

    def append_bytes(self, payload: bytes) -> int:
        """Append already serialised whole lines (each ending in ``"\\n"``)."""
        self._check_file()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self._thread_lock.acquire(timeout=self.lock_timeout):
            raise self._timeout("another thread of this process")
        try:
            if self._file_lock is None:
                self._file_lock = FileLock(str(self.lock_path), timeout=self.lock_timeout)
            try:
                self._file_lock.acquire()
            except Timeout:
                raise self._timeout("another process") from None
            try:
                self._write_locked(payload)
            finally:
                self._file_lock.release()
        finally:
            self._thread_lock.release()
        return payload.count(b"\n")

    def _timeout(self, holder: str) -> LockTimeoutError:
        return LockTimeoutError(
            f"could not lock {self.lock_path} within {self.lock_timeout:g} s: {holder} is "
            f"writing to {self.path.name}; wait for it, or pass a larger lock_timeout"
        )

    def _write_locked(self, payload: bytes) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
        try:
            self._settle_tail(fd)
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    # -- the unfinished last line -------------------------------------------------------

    def _tail_start(self, fd: int, size: int) -> int:
        end = size
        while end > 0:
            start = max(0, end - _TAIL_CHUNK)
            cut = os.pread(fd, end - start, start).rfind(b"\n")
            if cut != -1:
                return start + cut + 1
            end = start
        return 0

    def _settle_tail(self, fd: int) -> None:
        """Leave the file ending in ``"\\n"`` without removing anyone's complete record."""
        deadline = time.monotonic() + max(self.lock_timeout, self.torn_grace)
        last_size, stable_since = -1, time.monotonic()
        while True:
            size = os.fstat(fd).st_size
            if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
                return
            start = self._tail_start(fd, size)
            tail = os.pread(fd, size - start, start)
            if _is_json(tail):
                os.write(fd, b"\n")  # a complete record that only lacks its newline
                return
            now = time.monotonic()
            if size != last_size:
                last_size, stable_since = size, now  # someone is still writing this line
            elif now - stable_since >= self.torn_grace:
                self._move_torn(fd, start, tail, size)
                return
            if now > deadline:
                raise self._timeout("a writer that does not use the lock")
            time.sleep(0.005)

    def _move_torn(self, fd: int, start: int, tail: bytes, size: int) -> None:
        sidecar = open_sidecar(self.torn_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            os.write(sidecar, tail + b"\n")
        finally:
            os.close(sidecar)
        if os.fstat(fd).st_size != size:
            return  # it moved after all: keep every byte, the next append looks again
        os.ftruncate(fd, start)
        warnings.warn(
            f"{self.path}: moved an unfinished last line ({len(tail)} bytes, left by a writer "
            f"that stopped mid-line) to {self.torn_path.name} before appending",
            CorruptLineWarning,
            stacklevel=6,
        )

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return read_jsonl(self.path)


_TEMP_NAME = re.compile(r"\.(\d+)-[A-Za-z0-9_]+\.tmp$")


def _umask() -> int:
    try:  # Linux reports it without the race of setting and restoring it
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(path: Path) -> int:
    """Delete temp files an export into ``path`` left when its process was killed
    (their names carry the writer's pid); returns how many were removed."""
    removed = 0
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        match = _TEMP_NAME.search(candidate.name)
        if match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match.group(1))):
            candidate.unlink(missing_ok=True)
            removed += 1
    return removed


class AtomicWriter:
    """Writes to a temp file beside ``path``; ``commit`` moves it into place.

    The temp file is created with ``O_EXCL`` (``mkstemp``), so a symlink planted at its
    name is never followed; on commit it gets the mode of the file it replaces, or the
    mode a new file gets under the process umask.
    """

    def __init__(self, path: Path, staging: str = "") -> None:
        self.path = path
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{staging}{os.getpid()}-", suffix=".tmp", dir=path.parent)
        self.tmp = Path(tmp)
        self.handle: TextIO = os.fdopen(fd, "w", encoding="utf-8")

    def write(self, obj: Any) -> None:
        self.handle.write(json.dumps(obj, ensure_ascii=False, allow_nan=False) + "\n")

    def commit(self) -> None:
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.fchmod(self.handle.fileno(), mode)
        self.handle.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


class BackgroundWriter:
    """Runs writes in one worker thread, in order, for callbacks that fire on an event
    loop (where waiting for a file lock would stall every other task)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._executor: ThreadPoolExecutor | None = None
        self._inflight: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix=self.name)
            future = self._executor.submit(fn, *args)
            self._inflight.add(future)
        future.add_done_callback(self._inflight.discard)
        return future

    def flush(self, timeout: float | None = None) -> None:
        """Wait for every submitted write."""
        for future in list(self._inflight):
            future.result(timeout)

    async def aflush(self) -> None:
        for future in list(self._inflight):
            await asyncio.wrap_future(future)


def on_event_loop() -> bool:
    """Whether the caller runs on a thread with a running asyncio loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _is_json(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line.decode("utf-8")), dict)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False


def iter_jsonl_lines(path: str | os.PathLike[str], *, skipped: list[str] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line_number, object)`` for each JSON object line of a file.

    Raises :class:`FileNotFoundError` for a missing file. Unreadable lines (bad JSON,
    nesting too deep, not an object, bad UTF-8) are skipped with a
    :class:`CorruptLineWarning` naming ``file:line``, also appended to ``skipped``.
    A UTF-8 byte-order mark at the start of the file is ignored.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a JSONL file")
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; check the path (records are written there by a TrainingCollector)")
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8"))
                if not isinstance(value, dict):
                    raise ValueError(f"expected a JSON object, got {type(value).__name__}")
            except RecursionError:
                skip_line(path, number, "nested too deeply to read", skipped)
                continue
            except (ValueError, UnicodeDecodeError) as exc:
                skip_line(path, number, f"corrupt line ({exc})", skipped)
                continue
            yield number, value


def skip_line(path: Path | str, number: int | None, reason: str, skipped: list[str] | None) -> None:
    """Warn about and count one line (or record) that is skipped."""
    where = f"{path}:{number}" if number is not None else str(path)
    message = f"{where}: skipped {reason}"
    warnings.warn(message, CorruptLineWarning, stacklevel=3)
    if skipped is not None:
        skipped.append(message)


def read_jsonl(path: str | os.PathLike[str], *, skipped: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSONL file; a missing file yields nothing.

    Corrupt lines are skipped with a :class:`CorruptLineWarning` naming ``file:line``;
    their numbers are appended to ``skipped`` when given.
    """
    if not Path(path).exists():
        return
    messages: list[str] = []
    for _, value in iter_jsonl_lines(path, skipped=messages):
        yield value
    if skipped is not None:
        skipped.extend(_line_of(m) for m in messages)


def _line_of(message: str) -> int:
    # "path:line: skipped ..." -> line (the path itself may contain colons)
    return int(message.split(": skipped", 1)[0].rsplit(":", 1)[1])

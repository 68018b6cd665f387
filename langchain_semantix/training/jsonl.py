"""Durable JSONL: whole-line appends under a thread and a cross-process lock.

What an append guarantees, and where that stops:

* every record is one whole line, written with one ``write`` call on an ``O_APPEND``
  descriptor while holding a thread lock and an OS lock (``flock``) on ``<path>.lock``, so
  writers in any number of threads and processes never interleave lines or lose one. On a
  local Linux file system (ext4, XFS, Btrfs, tmpfs, overlayfs, ...) the kernel makes each
  such write atomic against other appends, so appenders share the lock and write side by
  side; elsewhere (NFS, SMB, FUSE, other systems) each append takes the lock exclusively;
* repairs take the lock exclusively, which waits for every append in progress: settling an
  unfinished last line, and undoing a write that failed midway (a full disk), which is cut
  out of the file: the file never keeps half a record, and the failure is raised for the
  caller to count or spool;
* an unfinished last line left by a killed writer is moved to ``<path>.torn`` before the
  next append, but only once it has stayed unfinished for ``torn_grace`` seconds while we
  hold the lock; a complete record that only lacks its newline is kept.

The limit: a writer that does not take the lock (semantix-ai's own collector, ``echo >>``)
is only safe when it writes each line with one ``write`` call, as those do. One that splits
a line across several writes can have one of our lines land between its pieces, and
neither the lock nor any check can prevent that; give such a writer its own file. And a
writer killed in the middle of a multi-page ``write`` while others append beside it can leave
its unfinished line joined to the front of the next one: readers then skip the fragment and
still read the record behind it (:func:`iter_jsonl_lines`).
"""

from __future__ import annotations

import asyncio
import errno
import functools
import glob
import json
import math
import os
import re
import stat
import sys
import tempfile
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, TextIO, TypeVar

import orjson
from filelock import lock_descriptor, unlock_descriptor

try:
    from fcntl import LOCK_NB, LOCK_SH, LOCK_UN, flock

    _SHARED_NOWAIT = LOCK_SH | LOCK_NB
except ImportError:  # Windows: appends take the lock exclusively (appends_are_atomic is False)
    pass

from langchain_semantix.errors import SemantixError
from langchain_semantix.training.records import is_plain_json, to_json_line

__all__ = [
    "JsonlFile",
    "appends_are_atomic",
    "read_jsonl",
    "iter_jsonl_lines",
    "iter_line_bytes",
    "iter_read_lines",
    "parse_json_object",
    "CorruptLineError",
    "FRAGMENT_REASON",
    "record_behind_fragment",
    "CorruptLineWarning",
    "LockTimeoutError",
    "NotARegularFileError",
    "DEFAULT_MAX_LINE_BYTES",
    "check_path_argument",
    "open_for_reading",
    "open_sidecar",
    "AtomicWriter",
    "BackgroundWriter",
    "on_event_loop",
    "remove_stale_temp_files",
]

_TAIL_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
#: Lines longer than this are skipped (and counted) by readers, so one giant line cannot
#: exhaust memory; pass ``max_line_bytes=`` to read longer ones.
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
_BATCH_BYTES = 4 * 1024 * 1024
#: Looks at the end of the file before a shared append takes an unfinished line for a torn one.
_LANDING_CHECKS = 16
#: Places a reader tries to find a whole record behind an unfinished line in one line.
_FRAGMENT_TRIES = 16
#: Read buffer of a JSONL reader: large reads, few system calls.
_READ_BUFFER = 1024 * 1024
_WRITE_FIXES = {
    errno.ENOSPC: "free disk space, or choose a path on another disk",
    errno.EDQUOT: "free space within your disk quota, or choose a path on another disk",
    errno.EFBIG: "the file is larger than its file system allows: start a new file",
    errno.EROFS: "the file system is read-only: choose a path on a writable one",
    errno.EACCES: "make the file writable, or choose another path",
    errno.EPERM: "make the file writable, or choose another path",
}

#: ``statfs`` magic numbers of local file systems whose ``O_APPEND`` writes are atomic (the
#: kernel holds the inode lock for the whole write), so appends can share the OS lock.
_ATOMIC_APPEND_FILE_SYSTEMS = frozenset(
    {
        0xEF53,  # ext2, ext3, ext4
        0x58465342,  # XFS
        0x9123683E,  # Btrfs
        0x01021994,  # tmpfs
        0x858458F6,  # ramfs
        0x794C7630,  # overlayfs
        0xF2F52010,  # F2FS
        0x2FC12FC1,  # ZFS
    }
)

_Item = TypeVar("_Item")
_READABLE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
_OPEN_FILES: weakref.WeakSet[JsonlFile] = weakref.WeakSet()


def _after_fork() -> None:
    for file in list(_OPEN_FILES):
        file._reset_in_forked_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


@functools.cache
def _fstatfs() -> Callable[[int, Any], int] | None:
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).fstatfs  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def appends_are_atomic(fd: int) -> bool:
    """Whether the file open at ``fd`` lies on a local Linux file system where each
    ``O_APPEND`` write lands whole, never interleaved with another process's append."""
    if not sys.platform.startswith("linux") or (fstatfs := _fstatfs()) is None:
        return False
    import ctypes

    buffer = ctypes.create_string_buffer(256)  # struct statfs begins with f_type, a C long
    if fstatfs(fd, buffer) != 0:
        return False
    return ctypes.c_long.from_buffer(buffer).value & 0xFFFFFFFF in _ATOMIC_APPEND_FILE_SYSTEMS


def _try_shared_lock(fd: int) -> bool:
    try:
        flock(fd, _SHARED_NOWAIT)
    except BlockingIOError:
        return False
    return True


def _ends_a_line(fd: int, size: int) -> bool:
    """Whether the file ends in ``"\\n"``. A line that another appender is writing right now
    can show half-written (the file grows page by page during one ``write``); it gets a few
    chances to land before the end counts as unfinished."""
    for _ in range(_LANDING_CHECKS):
        if os.pread(fd, 1, size - 1) == b"\n":
            return True
        os.sched_yield()
        size = os.fstat(fd).st_size
    return False


def _try_exclusive_lock(fd: int) -> bool:
    return lock_descriptor(fd, blocking=False)


class CorruptLineWarning(UserWarning):
    """A JSONL line could not be parsed (or is not a valid record) and was skipped."""


class LockTimeoutError(SemantixError, TimeoutError):
    """The lock of a JSONL file could not be taken in time."""


class NotARegularFileError(SemantixError, OSError):
    """A path names a device, a FIFO or a socket, which cannot hold JSONL records."""


def check_path_argument(name: str, path: object) -> None:
    """Refuse, naming the argument, a ``path`` that is not a file path (an int, bytes, None)."""
    if not isinstance(path, (str, os.PathLike)) or isinstance(os.fspath(path), bytes):
        raise TypeError(f"{name} must be a file path (a str or pathlib.Path), got {type(path).__name__} {path!r:.60}")
    if not os.fspath(path):
        raise ValueError(f"{name} is an empty string; give a file path such as 'data/corrections.jsonl'")


def _check_seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def open_sidecar(path: Path, flags: int, mode: int = 0o666) -> int:
    """Open a file created beside user data (``.torn``, ``.tmp``) without following a
    symlink planted at its name, so a write can never be redirected elsewhere."""
    try:
        return os.open(path, flags | _NOFOLLOW, mode)
    except OSError as exc:
        if path.is_symlink():
            raise PermissionError(f"{path} is a symbolic link; refusing to write through it (remove it)") from exc
        raise


def _mode_problem(path: Path, mode: int) -> str | None:
    """What the permission bits of an existing file forbid an appender (``None``: nothing)."""
    bits = f"mode {stat.S_IMODE(mode):04o}"
    if not mode & _READABLE:
        what = "no read or write permission" if not mode & 0o222 else "no read permission"
        return f"{path} has {what} ({bits}); make it readable and writable (chmod u+rw {path}) or choose another path"
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is read-only ({bits}); make it writable (chmod u+w {path}) or choose another path"
    return None


def _open_creating_folders(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, flags, 0o666)


def _link_error(path: Path, what: str) -> PermissionError:
    target = os.path.realpath(path)
    return PermissionError(
        f"{path} is a symbolic link (to {target}); {what} are never written through a link, "
        f"so that a planted link cannot redirect them: pass the real path {target}, or remove the link"
    )


class JsonlFile:
    """An append-only JSONL file that survives crashes and concurrent writers.

    Every append writes whole lines in one ``write`` while holding a thread lock and an OS
    lock on ``<path>.lock`` (both with ``lock_timeout``, so nothing waits forever; the OS
    lock is shared between appenders on a local Linux file system, exclusive elsewhere and
    for repairs); see the module docstring for the guarantees and their limit. The lock
    file and the data file stay open between appends (a forked child opens its own; the
    data file is reopened when it was replaced or deleted). Before appending, an unfinished last line is dealt with:

    * a last line that is valid JSON and only lacks ``"\\n"`` is completed, never moved;
    * a last line that is still growing (a writer that does not use the lock, such as
      semantix-ai's own collector) is waited for until it ends;
    * only a fragment that stays unfinished for ``torn_grace`` seconds while we hold the
      lock (so no cooperating writer is alive) is proven torn: it is copied to
      ``<path>.torn`` and cut off.

    ``fsync=True`` makes each append durable on disk. :meth:`aappend` and
    :meth:`aappend_bytes` never block the event loop: the lines of concurrent tasks are
    appended together by a worker thread (one lock, one ``write`` per batch).

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
        check_path_argument("path", path)
        self.path = Path(path)
        self.fsync = fsync
        self.lock_timeout = _check_seconds("lock_timeout", lock_timeout)
        self.torn_grace = torn_grace
        if self.path.is_dir():
            raise IsADirectoryError(f"{self.path} is a directory; give a file path such as {self.path / 'data.jsonl'}")
        self._data_name = os.fspath(self.path)
        self._thread_lock = threading.Lock()
        self._lock_fd = -1
        self._data_fd = -1
        self._data_id = (0, 0)
        self._writable_mode = -1  # the last mode seen to allow appending
        self._end = -1  # the size the data file had after our last append (-1: unknown)
        self._shared = False  # whether appends to the open data file may share the OS lock
        self._loop_batches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopBatches] = weakref.WeakKeyDictionary()
        _OPEN_FILES.add(self)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def torn_path(self) -> Path:
        return self.path.with_name(self.path.name + ".torn")

    def check_destination(self) -> None:
        """Fail now, with the fix, if this file could be neither read nor appended to
        (a missing or read-only folder, a path under ``/proc``, a symbolic link, a file
        without read permission). An existing file that is only read-only is accepted,
        so that it can still be read (``stats``, exports); appending to it then fails."""
        parent = self.path.parent
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(f"{parent} is not a folder; choose a path inside a folder")
        for link, what in ((self.path, "records"), (self.lock_path, "lock files")):
            if link.is_symlink():
                raise _link_error(link, what)
        existing = self._existing_file_mode()
        try:
            parent.mkdir(parents=True, exist_ok=True)
            with self._thread_lock:
                self._lock_descriptor()
        except OSError as exc:
            if existing is not None:
                return  # readable: appending fails later, naming this error
            raise PermissionError(
                f"cannot write beside {self.path} (creating {self.lock_path.name} failed: {exc.strerror or exc}); choose a writable folder"
            ) from exc

    def _existing_file_mode(self) -> int | None:
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(mode):
            raise NotARegularFileError(f"{self.path} is not a regular file; choose a file path")
        if not mode & _READABLE:  # read-only files are fine to read; unreadable ones are of no use
            raise PermissionError(_mode_problem(self.path, mode))
        return mode

    # -- appending ----------------------------------------------------------------------

    def append(self, record: dict[str, Any]) -> None:
        """Append one record as one line."""
        self.append_bytes(to_json_line(record))

    async def aappend(self, record: dict[str, Any]) -> None:
        """:meth:`append` without blocking the event loop (see :meth:`aappend_bytes`)."""
        await self.aappend_bytes(to_json_line(record))

    def append_many(self, records: Iterable[dict[str, Any]]) -> int:
        """Append records; all lines are serialised first, so a bad one writes nothing."""
        payload = b"".join(to_json_line(r) for r in records)
        if not payload:
            return 0
        return self.append_bytes(payload)

    async def aappend_bytes(self, payload: bytes) -> int:
        """:meth:`append_bytes` without blocking the event loop: the lines join the next
        batch a worker thread appends for this loop (one lock acquisition, one ``write``).
        If the batch fails, every caller in it gets the error and none of its lines is kept."""
        loop = asyncio.get_running_loop()
        batches = self._loop_batches.get(loop)
        if batches is None:
            batches = self._loop_batches[loop] = _LoopBatches(self.append_bytes, loop)
        return await batches.append(payload)

    def append_bytes(self, payload: bytes) -> int:
        """Append already serialised whole lines (each ending in ``"\\n"``).

        Raises :class:`LockTimeoutError` when the lock stays taken for ``lock_timeout``,
        and :class:`OSError` naming the fix when the file cannot be written (a failed
        write leaves the file as it was).
        """
        if not payload:
            return 0
        self.append_line(payload)
        return payload.count(b"\n")

    def append_line(self, line: bytes) -> None:
        """:meth:`append_bytes` for one serialised line (or several), without counting them."""
        if not self._thread_lock.acquire(timeout=self.lock_timeout):
            raise self._timeout("another thread of this process")
        try:
            if not (self._shared and self._append_shared(line)):
                lock_fd = self._lock_process(_try_exclusive_lock)
                try:
                    self._write_locked(*self._data_descriptor(self._check_data_path()), line)
                finally:
                    unlock_descriptor(lock_fd)
        finally:
            self._thread_lock.release()

    def _append_shared(self, payload: bytes) -> bool:
        """Append beside other appenders, under the shared OS lock. ``False`` leaves the
        append to the exclusive lock: the file ends in an unfinished line, it was reopened
        on a file system without atomic appends, or the write stopped short (its part is
        then cut out first)."""
        lock_fd = self._lock_process(_try_shared_lock)
        try:
            fd, size = self._data_descriptor(self._check_data_path())
            if not self._shared or (size and size != self._end and not _ends_a_line(fd, size)):
                return False
            try:
                written = os.write(fd, payload)
            except OSError as exc:  # nothing was written
                raise self._write_error(exc) from exc
            if written == len(payload) and not self.fsync:
                self._end = size + written  # a guess that only saves a read while nobody else appends
                return True
            end = os.lseek(fd, 0, os.SEEK_CUR)  # an O_APPEND write leaves the offset at its end
        finally:
            flock(lock_fd, LOCK_UN)
        return self._finish_shared_write(fd, payload, written, end)

    def _finish_shared_write(self, fd: int, payload: bytes, written: int, end: int) -> bool:
        """fsync a whole line (``True``), or cut out a short one so that the exclusive lock
        writes it again (``False``); an fsync that fails cuts the line out and raises."""
        if written == len(payload):
            try:
                os.fsync(fd)
                return True
            except OSError as exc:
                failure: OSError | None = exc
        else:
            failure = None
        lock_fd = self._lock_process(_try_exclusive_lock)
        try:
            self._cut_out(fd, payload[:written], end)
        finally:
            unlock_descriptor(lock_fd)
        if failure is not None:
            raise self._write_error(failure) from failure
        return False

    def close(self) -> None:
        """Close the descriptors kept between appends (a later append reopens them)."""
        with self._thread_lock:
            self._forget_descriptors(close=True)

    def __del__(self) -> None:
        if hasattr(self, "_data_fd"):
            self._forget_descriptors(close=True)

    def _reset_in_forked_child(self) -> None:
        """Run in a forked child, before anything else: the inherited descriptors share the
        parent's lock (so they would not exclude it, and would keep it held should the parent
        die mid-append), and another thread may have held the thread lock at the fork."""
        self._forget_descriptors(close=True)
        self._thread_lock = threading.Lock()
        self._loop_batches = weakref.WeakKeyDictionary()

    def _forget_descriptors(self, *, close: bool) -> None:
        for fd in (self._lock_fd, self._data_fd):
            if close and fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._lock_fd = self._data_fd = -1

    def _timeout(self, holder: str) -> LockTimeoutError:
        return LockTimeoutError(
            f"could not lock {self.lock_path} within {self.lock_timeout:g} s: {holder} is "
            f"writing to {self.path.name}; wait for it, or pass a larger lock_timeout"
        )

    # -- descriptors (called under the thread lock) -------------------------------------

    def _lock_descriptor(self) -> int:
        if self._lock_fd < 0:
            try:
                self._lock_fd = _open_creating_folders(self.lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise _link_error(self.lock_path, "lock files") from None
                raise type(exc)(
                    exc.errno,
                    f"cannot create the lock file {self.lock_path} ({exc.strerror}); appends to {self.path.name} "
                    f"need it: make {self.lock_path.parent} writable or choose a writable folder",
                ) from None
        return self._lock_fd

    def _lock_process(self, try_lock: Callable[[int], bool]) -> int:
        """Take the OS lock (shared or exclusive); the lock file must still be the one at its
        path (a cleanup job that deleted it would otherwise leave us locking a file nobody
        else sees)."""
        while True:
            fd = self._lock_descriptor()
            if not try_lock(fd):
                self._wait_for_lock(fd, try_lock)
            if os.fstat(fd).st_nlink:
                return fd
            unlock_descriptor(fd)
            self._forget_descriptors(close=True)

    def _wait_for_lock(self, fd: int, try_lock: Callable[[int], bool]) -> None:
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.00002
        while True:
            time.sleep(delay)
            if try_lock(fd):
                return
            if time.monotonic() > deadline:
                raise self._timeout("another process")
            delay = min(delay * 2, 0.002)

    def _check_data_path(self) -> os.stat_result | None:
        """The data file as found at its path (``None``: missing), refused when it is a
        link, not a regular file, or not writable."""
        try:
            found = os.lstat(self._data_name)
        except FileNotFoundError:
            return None
        if found.st_mode != self._writable_mode:
            if stat.S_ISLNK(found.st_mode):
                raise _link_error(self.path, "records")
            if not stat.S_ISREG(found.st_mode):
                raise NotARegularFileError(f"{self.path} is not a regular file; choose a file path")
            problem = _mode_problem(self.path, found.st_mode)
            if problem is not None:
                raise PermissionError(problem)
            self._writable_mode = found.st_mode
        return found

    def _data_descriptor(self, found: os.stat_result | None) -> tuple[int, int]:
        """The open data file and its size, reopened when the file at the path is not the
        one we hold (rotated, replaced or deleted)."""
        if self._data_fd >= 0 and found is not None and (found.st_dev, found.st_ino) == self._data_id:
            return self._data_fd, found.st_size
        if self._data_fd >= 0:
            os.close(self._data_fd)
            self._data_fd = -1
        fd = self._open_data()
        opened = os.fstat(fd)
        self._data_fd, self._data_id, self._end = fd, (opened.st_dev, opened.st_ino), -1
        self._shared = appends_are_atomic(fd)
        return fd, opened.st_size

    def _open_data(self) -> int:
        try:
            return _open_creating_folders(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | _NOFOLLOW)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _link_error(self.path, "records") from None
            fix = _WRITE_FIXES.get(exc.errno or 0, "choose a writable path")
            raise type(exc)(exc.errno, f"cannot open {self.path} for appending ({exc.strerror}); {fix}") from None

    # -- writing (under both locks) -----------------------------------------------------

    def _write_locked(self, fd: int, size: int, payload: bytes) -> None:
        if size and size != self._end and os.pread(fd, 1, size - 1) != b"\n":  # at _end, the file ends with our newline
            self._settle_tail(fd)
            size = os.fstat(fd).st_size
        written, self._end = 0, -1
        try:
            while written < len(payload):
                written += os.write(fd, payload[written:] if written else payload)
            if self.fsync:
                os.fsync(fd)
            if payload.endswith(b"\n"):
                self._end = size + written
        except OSError as exc:
            self._cut_back(fd, size, written)
            raise self._write_error(exc) from exc

    def _write_error(self, exc: OSError) -> OSError:
        fix = _WRITE_FIXES.get(exc.errno or 0, "check the disk, then write again")
        return type(exc)(
            exc.errno, f"could not append to {self.path} ({exc.strerror}); the file is left as it was before this write: {fix}"
        )

    def _cut_back(self, fd: int, size: int, written: int) -> None:
        """Remove the part of a failed write that reached the file, when it is provably ours."""
        try:
            if written and os.fstat(fd).st_size == size + written:
                os.ftruncate(fd, size)
        except OSError:
            pass  # the next append finds an unfinished line and settles it

    def _cut_out(self, fd: int, part: bytes, end: int) -> None:
        """Under the exclusive lock: remove ``part``, which a shared append wrote ending at
        ``end``, moving back the lines appended after it; left alone when the bytes there
        are not ``part`` (readers then skip it as the fragment of a line)."""
        start = end - len(part)
        try:
            if start < 0 or os.pread(fd, len(part), start) != part:
                return
            size = os.fstat(fd).st_size
            if size > end:  # others appended behind it: move their lines back over it
                writer = os.open(self._data_name, os.O_WRONLY | _NOFOLLOW)  # pwrite on O_APPEND appends
                try:
                    if os.fstat(writer).st_ino != os.fstat(fd).st_ino:
                        return
                    for offset in range(end, size, _TAIL_CHUNK):
                        os.pwrite(writer, os.pread(fd, min(_TAIL_CHUNK, size - offset), offset), offset - len(part))
                finally:
                    os.close(writer)
            os.ftruncate(fd, size - len(part))
        except OSError:
            pass  # the next append finds an unfinished line and settles it
        self._end = -1

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
            if size - start <= DEFAULT_MAX_LINE_BYTES and _is_json(os.pread(fd, size - start, start)):
                os.write(fd, b"\n")  # a complete record that only lacks its newline
                return
            now = time.monotonic()
            if size != last_size:
                last_size, stable_since = size, now  # someone is still writing this line
            elif now - stable_since >= self.torn_grace:
                self._move_torn(fd, start, size)
                return
            if now > deadline:
                raise self._timeout("a writer that does not use the lock")
            time.sleep(0.005)

    def _move_torn(self, fd: int, start: int, size: int) -> None:
        sidecar = open_sidecar(self.torn_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for offset in range(start, size, 16 * _TAIL_CHUNK):
                os.write(sidecar, os.pread(fd, min(16 * _TAIL_CHUNK, size - offset), offset))
            os.write(sidecar, b"\n")
        finally:
            os.close(sidecar)
        if os.fstat(fd).st_size != size:
            return  # it moved after all: keep every byte, the next append looks again
        os.ftruncate(fd, start)
        warnings.warn(
            f"{self.path}: moved an unfinished last line ({size - start} bytes, left by a writer "
            f"that stopped mid-line) to {self.torn_path.name} before appending",
            CorruptLineWarning,
            stacklevel=5,
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


class _LoopBatches:
    """Lines awaited by the tasks of one event loop, appended in batches: whatever was
    queued while the previous batch was written (in a worker thread) goes in the next one,
    and one loop callback wakes every task of a batch."""

    def __init__(self, append: Callable[[bytes], int], loop: asyncio.AbstractEventLoop) -> None:
        self._append = append
        self._loop = loop
        self._queue: list[tuple[bytes, asyncio.Future[int]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def append(self, payload: bytes) -> int:
        future: asyncio.Future[int] = self._loop.create_future()
        self._queue.append((payload, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = self._loop.create_task(self._drain())
        return await future

    def _next_batch(self) -> list[tuple[bytes, asyncio.Future[int]]]:
        size, cut = 0, 0
        while cut < len(self._queue) and (cut == 0 or size + len(self._queue[cut][0]) <= _BATCH_BYTES):
            size += len(self._queue[cut][0])
            cut += 1
        batch, self._queue = self._queue[:cut], self._queue[cut:]
        return batch

    async def _drain(self) -> None:
        while batch := self._next_batch():
            try:
                await self._loop.run_in_executor(None, self._append, b"".join(payload for payload, _ in batch))
            except asyncio.CancelledError:  # the loop is closing: nobody is left to wait
                for _, future in batch + self._queue:
                    future.cancel()
                self._queue = []
                raise
            except BaseException as exc:  # every line of the batch was left unwritten
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for payload, future in batch:
                    if not future.done():
                        future.set_result(payload.count(b"\n"))


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


def open_for_reading(path: Path) -> IO[bytes]:
    """Open a JSONL file to read it; a missing path, a folder, a device or FIFO (which
    could block or never end), and a file we may not read are refused with the fix."""
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)  # opening a FIFO must not wait for a writer
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist; check the path (records are written there by a TrainingCollector)") from None
    except PermissionError:
        raise PermissionError(f"cannot read {path}: no read permission; make it readable (chmod u+r {path})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(f"{path} is a directory, not a JSONL file")
        raise NotARegularFileError(f"{path} is not a regular file (a device, FIFO or socket); give the path of a JSONL file")
    if _NONBLOCK:
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb", buffering=_READ_BUFFER)


class CorruptLineError(SemantixError, ValueError):
    """A line is not one JSON object; the message says why (for ``file:line: skipped ...``)."""


def iter_line_bytes(
    path: str | os.PathLike[str],
    *,
    skipped: list[str] | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[tuple[int, bytes]]:
    """``(line_number, line)`` for each non-blank line of a file, as bytes, a UTF-8
    byte-order mark at the start of the file removed.

    A line longer than ``max_line_bytes`` is skipped with a :class:`CorruptLineWarning`
    naming ``file:line`` (also appended to ``skipped``); it is read past in chunks, so it
    never sits in memory whole. Raises as :func:`open_for_reading` does.
    """
    return iter_read_lines(path, _numbered, skipped=skipped, max_line_bytes=max_line_bytes)


def _numbered(number: int, line: bytes) -> tuple[int, bytes]:
    return number, line


def iter_read_lines(
    path: str | os.PathLike[str],
    read: Callable[[int, bytes], _Item | None],
    *,
    skipped: list[str] | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[_Item]:
    """What ``read(line_number, line)`` makes of each line :func:`iter_line_bytes` gives,
    ``None`` left out: a reader's work done in the reading loop itself."""
    path = Path(path)
    with open_for_reading(path) as handle:
        readline = handle.readline
        limit = max_line_bytes + 1
        number = 0
        while raw := readline(limit):
            number += 1
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = readline(_BATCH_BYTES)
                skip_line(path, number, f"a line longer than max_line_bytes={max_line_bytes}", skipped)
                continue
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if raw and not raw.isspace():  # not blank (as raw.strip() tests, without copying the line)
                item = read(number, raw)
                if item is not None:
                    yield item


def parse_json_object(line: bytes) -> dict[str, Any]:
    """The JSON object of one line, exactly as :func:`json.loads` reads it; raises
    :class:`CorruptLineError` for bad JSON, bad UTF-8, nesting too deep or a non-object.

    orjson reads the common line several times faster; what it refuses or could read
    differently (NaN, lone surrogates, integers beyond 64 bits) is left to the standard parser.
    """
    try:
        value = orjson.loads(line)
        if type(value) is dict and is_plain_json(value):
            return value
    except (orjson.JSONDecodeError, RecursionError):
        pass
    try:
        value = json.loads(line.decode("utf-8"))
    except RecursionError:
        raise CorruptLineError("nested too deeply to read") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptLineError(f"corrupt line ({exc})") from None
    if not isinstance(value, dict):
        raise CorruptLineError(f"corrupt line (expected a JSON object, got {type(value).__name__})")
    return value


def iter_jsonl_lines(
    path: str | os.PathLike[str],
    *,
    skipped: list[str] | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line_number, object)`` for each JSON object line of a file.

    Raises :class:`FileNotFoundError` for a missing file, :class:`NotARegularFileError`
    for a device or FIFO. Unreadable lines (bad JSON, nesting too deep, not an object, bad
    UTF-8, longer than ``max_line_bytes``) are skipped with a :class:`CorruptLineWarning`
    naming ``file:line``, also appended to ``skipped``; reading goes on after them.
    A UTF-8 byte-order mark at the start of the file is ignored. A whole record joined to
    the unfinished start of another (a writer killed mid-line while others appended beside
    it) is read, and only the unfinished part is skipped, when the two can be told apart.
    """

    def read(number: int, line: bytes) -> tuple[int, dict[str, Any]] | None:
        try:
            return number, parse_json_object(line)
        except CorruptLineError as exc:
            record = record_behind_fragment(line)
            skip_line(path, number, str(exc) if record is None else FRAGMENT_REASON, skipped)
            return None if record is None else (number, record)

    return iter_read_lines(path, read, skipped=skipped, max_line_bytes=max_line_bytes)


#: Why the start of a line holding a record behind a fragment is skipped.
FRAGMENT_REASON = "the unfinished start of a line, written by a writer that stopped mid-line"


def record_behind_fragment(line: bytes) -> dict[str, Any] | None:
    """The whole record that ends ``line`` behind an unfinished one, or ``None``. The record
    must begin as the line begins (both lines come from the same writer code, so they share
    their first key), run to the end of the line, and not stand where the line before it
    expects a value (then it is more likely an object nested in a line cut short)."""
    first_key_end = line.find(b'":')
    if not line.startswith(b'{"') or first_key_end == -1:
        return None
    head = line[: first_key_end + 2]
    start = line.find(head, 1)
    for _ in range(_FRAGMENT_TRIES):
        if start == -1:
            break
        if line[:start].rstrip()[-1:] not in (b":", b",", b"["):
            try:
                return parse_json_object(line[start:])
            except CorruptLineError:
                pass
        start = line.find(head, start + 1)
    return None


def skip_line(path: str | os.PathLike[str], number: int | None, reason: str, skipped: list[str] | None) -> None:
    """Warn about and count one line (or record) that is skipped."""
    where = f"{path}:{number}" if number is not None else str(path)
    message = f"{where}: skipped {reason}"
    warnings.warn(message, CorruptLineWarning, stacklevel=3)
    if skipped is not None:
        skipped.append(message)


def read_jsonl(
    path: str | os.PathLike[str], *, skipped: list[int] | None = None, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSONL file; a missing file yields nothing.

    Corrupt (or longer than ``max_line_bytes``) lines are skipped with a
    :class:`CorruptLineWarning` naming ``file:line``; their numbers are appended to
    ``skipped`` when given.
    """
    if not Path(path).exists():
        return
    messages: list[str] = []
    for _, value in iter_jsonl_lines(path, skipped=messages, max_line_bytes=max_line_bytes):
        yield value
    if skipped is not None:
        skipped.extend(_line_of(m) for m in messages)


def _line_of(message: str) -> int:
    # "path:line: skipped ..." -> line (the path itself may contain colons)
    return int(message.split(": skipped", 1)[0].rsplit(":", 1)[1])

"""Whole-file writes that leave either the old file or the new one, never half of one.

:class:`~langchain_semantix.training.jsonl.AtomicWriter` stages the new content in a temp
file beside the destination and moves it into place. This module adds what every caller
needs around it: the temp file is removed on any failure (even when closing it fails, as
on a full disk), and an ``OSError`` names the destination and the fix instead of the
temp file's name.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langchain_semantix.training.jsonl import AtomicWriter

__all__ = [
    "atomic_writer",
    "write_text_atomic",
    "discard",
    "commit",
    "commit_all",
    "discarded_on_error",
    "open_writer",
    "write_error",
    "check_replaceable",
    "same_file",
    "check_not_source",
    "short_path_errors",
]

_FIXES = {
    errno.ENOSPC: "free some disk space or choose a destination on another disk",
    errno.EDQUOT: "free some space within your disk quota or choose another destination",
    errno.EACCES: "choose a folder you can write to, or fix its permissions",
    errno.EPERM: "choose a folder you can write to, or fix its permissions",
    errno.EROFS: "choose a destination on a writable file system",
    errno.ENOENT: "create the folder first",
    errno.ENOTDIR: "a part of the path is a file, not a folder; fix the path",
    errno.EISDIR: "give a file name, not a folder",
    errno.ENAMETOOLONG: "choose a shorter path",
}


#: Paths longer than this are cut in error messages (a path of megabytes is a mistake, not a name to read).
_LONGEST_SHOWN = 300


@contextmanager
def short_path_errors() -> Iterator[None]:
    """Restate an ``OSError`` for a path too long for the file system with the path cut
    to 60 characters and the fix, instead of the whole path (which may be megabytes)."""
    try:
        yield
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        error = type(exc)(f"the path {exc.filename!r:.60}... is too long for the file system ({exc.strerror}); choose a shorter path")
        error.errno = exc.errno
        raise error from None  # the original repeats the whole path


def write_error(exc: OSError, path: Path) -> OSError:
    """``exc`` restated for ``path``: what went wrong and how to fix it (same ``OSError`` subclass)."""
    reason = exc.strerror or str(exc)
    fix = _FIXES.get(exc.errno or 0, "check the destination and try again")
    if exc.errno == errno.ENOENT and os.path.isdir(path.parent):
        # the folder is there, yet no file can be created in it (/proc, /sys)
        fix = f"the folder {path.parent} exists but its file system refuses to create files there; choose another folder"
    shown = str(path) if len(str(path)) <= _LONGEST_SHOWN else f"{str(path)[:_LONGEST_SHOWN]}..."
    error = type(exc)(f"could not write {shown}: {reason}; {fix}. Nothing was written there")
    error.errno = exc.errno  # kept for callers that branch on it; str() stays the one sentence above
    return error


def open_writer(path: Path, staging: str = "") -> AtomicWriter:
    """An :class:`AtomicWriter` for ``path``; creating its temp file fails with :func:`write_error`."""
    try:
        return AtomicWriter(path, staging)
    except OSError as exc:
        raise write_error(exc, path) from exc


def discard(*writers: AtomicWriter | None) -> None:
    """Remove the writers' temp files; a close that fails (full disk) does not stop it."""
    for writer in writers:
        if writer is None:
            continue
        try:
            writer.handle.close()
        except OSError:
            pass
        writer.tmp.unlink(missing_ok=True)


def commit(writer: AtomicWriter) -> None:
    """Move the temp file into place; on failure remove it and raise :func:`write_error`."""
    try:
        writer.commit()
    except OSError as exc:
        discard(writer)
        raise write_error(exc, writer.path) from exc


def commit_all(*writers: AtomicWriter) -> None:
    """:func:`commit` the writers in order; when one fails, the temp files of those after it
    are removed too (nothing staged is left behind), and the error is raised."""
    for done, writer in enumerate(writers):
        try:
            commit(writer)
        except BaseException:
            discard(*writers[done + 1 :])
            raise


@contextmanager
def discarded_on_error(writer: AtomicWriter) -> Iterator[AtomicWriter]:
    """``writer``, whose temp file is removed if the block fails (an ``OSError`` restated by
    :func:`write_error`); the caller commits it."""
    try:
        yield writer
    except OSError as exc:
        discard(writer)
        raise write_error(exc, writer.path) from exc
    except BaseException:
        discard(writer)
        raise


@contextmanager
def atomic_writer(path: str | os.PathLike[str], staging: str = "") -> Iterator[AtomicWriter]:
    """A writer whose content replaces ``path`` when the block ends without an error.

    Example:
        .. code-block:: python

            with atomic_writer("report.json") as out:
                out.handle.write(text)
    """
    with discarded_on_error(open_writer(Path(path), staging)) as writer:
        yield writer
    commit(writer)


def check_replaceable(path: Path, *, label: str = "", example: str = "out.json") -> None:
    """Refuse a folder or a device as the file an atomic write replaces, naming ``label path``."""
    if path.is_dir():
        raise IsADirectoryError(f"{label}{path} is a directory; give a file name such as {path / example}")
    if path.exists() and not path.is_file():  # replacing it would put a file where a device (/dev/null) was
        raise ValueError(f"{label}{path} is not a regular file (a device, pipe or socket); give a file path")


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file: the same inode when both exist (links, ``./x``,
    another spelling), else the same resolved path."""
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def check_not_source(destination: str | os.PathLike[str], *sources: str | os.PathLike[str] | None, label: str = "the destination ") -> None:
    """Refuse a ``destination`` that is one of ``sources`` (``None`` ones are ignored): writing
    there would replace the data being read."""
    for source in sources:
        if source is not None and same_file(destination, source):
            raise ValueError(f"{label}{destination} is the source itself; choose another destination")


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Replace ``path`` with ``text`` (UTF-8) atomically; refuses a folder or a device as ``path``."""
    path = Path(path)
    with short_path_errors():
        check_replaceable(path)
    with atomic_writer(path) as out:
        out.handle.write(text)
    return path

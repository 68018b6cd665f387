"""Whole-file writes: the old file or the new one, never half of one, and no temp file left."""

from __future__ import annotations

import errno
import os

import pytest

from langchain_semantix.training import atomic
from langchain_semantix.training.jsonl import AtomicWriter


class _FullDisk:
    """A file handle that fails like a full disk once ``limit`` characters or bytes were written."""

    def __init__(self, handle, limit: int) -> None:
        self._handle, self._left = handle, limit

    def write(self, text: str) -> int:
        self._spend(len(text))
        return self._handle.write(text)

    @property
    def buffer(self) -> _FullDisk:
        """The bytes layer (exporters write bytes): it shares the same free space."""
        full = _FullDisk(self._handle.buffer, 0)
        full._spend = self._spend  # type: ignore[method-assign]
        return full

    def _spend(self, size: int) -> None:
        self._left -= size
        if self._left < 0:
            raise OSError(errno.ENOSPC, "No space left on device")

    def fileno(self) -> int:
        return self._handle.fileno()

    def close(self) -> None:
        self._handle.close()
        if self._left < 0:
            raise OSError(errno.ENOSPC, "No space left on device")  # the buffered bytes could not be flushed


def full_disk(monkeypatch: pytest.MonkeyPatch, limit: int = 100) -> None:
    """Every writer opened through ``training.atomic`` runs out of space after ``limit`` characters."""

    class FullDiskWriter(AtomicWriter):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.handle = _FullDisk(self.handle, limit)  # type: ignore[assignment]

    monkeypatch.setattr(atomic, "AtomicWriter", FullDiskWriter)


def temp_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_text_atomic_replaces_the_file(tmp_path):
    target = tmp_path / "t.json"
    target.write_text("old")
    assert atomic.write_text_atomic(target, "new") == target
    assert target.read_text() == "new" and temp_files(tmp_path) == []


def test_full_disk_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "t.json"
    target.write_text("old")
    full_disk(monkeypatch, limit=10)
    with pytest.raises(OSError, match="could not write .*t.json: No space left on device; free some disk space") as error:
        atomic.write_text_atomic(target, "x" * 1000)
    assert error.value.errno == errno.ENOSPC and str(error.value).startswith(f"could not write {target}: ")
    assert target.read_text() == "old" and temp_files(tmp_path) == []


def test_failure_at_close_is_cleaned_up_too(tmp_path, monkeypatch):
    full_disk(monkeypatch, limit=10)
    writer = atomic.open_writer(tmp_path / "o.jsonl")
    writer.handle._left = -1  # the data is buffered; closing cannot flush it
    with pytest.raises(OSError, match="could not write"):
        atomic.commit(writer)
    assert not (tmp_path / "o.jsonl").exists() and temp_files(tmp_path) == []


def test_an_error_in_the_block_writes_nothing(tmp_path):
    target = tmp_path / "t.json"
    with pytest.raises(KeyboardInterrupt), atomic.atomic_writer(target) as out:
        out.handle.write("partial")
        raise KeyboardInterrupt
    assert not target.exists() and temp_files(tmp_path) == []


def test_a_folder_or_a_missing_folder_is_named_with_the_fix(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory; give a file name"):
        atomic.write_text_atomic(tmp_path, "x")
    with pytest.raises(FileNotFoundError, match="could not write .*create the folder first"):
        atomic.write_text_atomic(tmp_path / "missing" / "t.json", "x")


def test_a_read_only_file_system_is_named_with_the_fix(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(atomic, "AtomicWriter", read_only)
    with pytest.raises(OSError, match=r"^could not write .*t.json: Read-only file system; choose a destination on a writable"):
        atomic.write_text_atomic(tmp_path / "t.json", "x")


def test_a_folder_whose_file_system_refuses_new_files_is_not_called_missing(tmp_path, monkeypatch):
    def refused(*args, **kwargs):  # what creating a file under /proc gives, though /proc exists
        raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(atomic, "AtomicWriter", refused)
    with pytest.raises(
        FileNotFoundError, match=r"the folder .* exists but its file system refuses to create files there; choose another"
    ) as error:
        atomic.write_text_atomic(tmp_path / "t.json", "x")
    assert "create the folder first" not in str(error.value) and error.value.errno == errno.ENOENT
    with pytest.raises(FileNotFoundError, match="could not write .*create the folder first"):  # the folder really is missing
        atomic.write_text_atomic(tmp_path / "missing" / "t.json", "x")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_saving_under_proc_names_the_real_cause():
    with pytest.raises(OSError, match=r"could not write /proc/x.json: .*the folder /proc exists but its file system refuses"):
        atomic.write_text_atomic("/proc/x.json", "x")


def test_a_path_too_long_for_the_file_system_is_cut_in_the_error(tmp_path):
    with pytest.raises(OSError, match=r"is too long for the file system \(File name too long\); choose a shorter path$") as error:
        atomic.write_text_atomic(tmp_path / ("a" * 1_000_000), "x")
    assert len(str(error.value)) < 300 and temp_files(tmp_path) == []

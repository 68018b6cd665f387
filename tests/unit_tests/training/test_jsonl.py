import errno
import fcntl
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from langchain_semantix import TrainingCollector
from langchain_semantix.training import CorruptLineWarning, read_jsonl
from langchain_semantix.training.backends import iter_records
from langchain_semantix.training.collector import CollectorWriteWarning
from langchain_semantix.training.jsonl import (
    DEFAULT_MAX_LINE_BYTES,
    CorruptLineError,
    JsonlFile,
    LockTimeoutError,
    NotARegularFileError,
    appends_are_atomic,
    iter_line_bytes,
    parse_json_object,
)
from tests.unit_tests.training._data import BAD_LINES, PAIR, rec, write


def test_corrupt_lines_are_skipped_with_line_numbers(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"intent":"A","intent_description":"d","accepted_output":"x"}\nnot json\n[1]\n')
    skipped = []
    with pytest.warns(CorruptLineWarning, match=":2:"):
        assert len(list(read_jsonl(path, skipped=skipped))) == 1
    assert skipped == [2, 3]


def test_every_bad_record_is_skipped_with_file_and_line(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(1)] + BAD_LINES + [rec(2)])
    skipped: list[str] = []
    with pytest.warns(CorruptLineWarning):
        records = list(iter_records(src, skipped=skipped))
    assert [r["accepted_output"] for r in records] == ["good 1", "good 2"]
    assert len(skipped) == len(BAD_LINES)
    assert [int(s.split(": skipped")[0].rsplit(":", 1)[1]) for s in skipped] == list(range(2, 2 + len(BAD_LINES)))
    assert all(s.startswith(str(src)) for s in skipped)


def test_bom_does_not_lose_the_first_record(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (json.dumps(rec(0)) + "\n" + json.dumps(rec(1)) + "\n").encode())
    assert [r["accepted_output"] for r in iter_records(path)] == ["good 0", "good 1"]


def test_missing_file_raises_for_readers_that_need_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list(iter_records(tmp_path / "nope.jsonl"))
    assert list(iter_records(tmp_path / "nope.jsonl", missing_ok=True)) == []


def test_complete_last_record_without_newline_is_completed_not_moved(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(rec(0)))  # e.g. written by a tool that omits the final newline
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        JsonlFile(path).append(rec(1))
    assert [r["accepted_output"] for r in read_jsonl(path)] == ["good 0", "good 1"]
    assert not (tmp_path / "c.jsonl.torn").exists()


def test_torn_tail_is_repaired_before_append(tmp_path):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path)
    collector.record(**PAIR)
    with open(path, "ab") as handle:
        handle.write(b'{"intent": "half')
    with pytest.warns(CorruptLineWarning, match="unfinished"):
        collector.record(**PAIR)
    assert [r["intent"] for r in read_jsonl(path)] == ["Polite", "Polite"]
    assert b"half" in (tmp_path / "c.jsonl.torn").read_bytes()


def test_a_line_still_being_written_is_waited_for_not_cut(tmp_path):
    path = tmp_path / "c.jsonl"
    line = json.dumps(rec(0)).encode() + b"\n"
    with open(path, "ab") as handle:
        handle.write(line[:40])
        handle.flush()
        appender = threading.Thread(target=JsonlFile(path, torn_grace=30).append, args=(rec(1),))
        appender.start()
        time.sleep(0.3)  # the appender is now waiting for this line to end
        handle.write(line[40:])
    appender.join(30)
    assert [r["accepted_output"] for r in read_jsonl(path)] == ["good 0", "good 1"]


def test_torn_sidecar_is_not_followed_through_a_planted_symlink(tmp_path):
    path = tmp_path / "c.jsonl"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / "c.jsonl.torn").symlink_to(victim)
    path.write_bytes(b'{"torn')
    with pytest.raises(PermissionError, match="symbolic link"):
        JsonlFile(path, torn_grace=0).append(rec(0))
    assert victim.read_text() == "keep" and path.read_bytes() == b'{"torn'


def test_unwritable_destination_fails_at_construction(tmp_path):
    with pytest.raises(PermissionError, match="choose a writable folder"):
        TrainingCollector("/proc/x.jsonl")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        TrainingCollector(tmp_path / "file" / "c.jsonl")


def _hold_lock(lock_path: str, ready, release, shared: bool) -> None:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)  # shared: as an appender holds it
    ready.set()
    release.wait(60)


@contextmanager
def lock_held_by_another_process(path: Path, *, shared: bool = False) -> Iterator[None]:
    """``path``'s ``.lock`` is held (exclusively, or shared) by a separate process until the block ends."""
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(path) + ".lock", ready, release, shared))
    holder.start()
    try:
        assert ready.wait(60)
        yield
    finally:
        release.set()
        holder.join(60)


def test_lock_wait_has_a_timeout_and_names_the_lock(tmp_path):
    path = tmp_path / "c.jsonl"
    with lock_held_by_another_process(path), pytest.raises(LockTimeoutError, match=r"c\.jsonl\.lock"):
        JsonlFile(path, lock_timeout=0.3).append(rec(0))
    assert not path.exists() or read_jsonl(path) is not None


def _temp_dir_appends_are_atomic() -> bool:
    fd = os.open(tempfile.gettempdir(), os.O_RDONLY)
    try:
        return appends_are_atomic(fd)
    finally:
        os.close(fd)


atomic_appends = pytest.mark.skipif(not _temp_dir_appends_are_atomic(), reason="appends share the lock only on a local Linux file system")


@atomic_appends
def test_appends_share_the_lock_and_repairs_take_it_alone(tmp_path):
    path = tmp_path / "c.jsonl"
    appender = JsonlFile(path, lock_timeout=0.3, torn_grace=0)
    appender.append(rec(0))
    with lock_held_by_another_process(path, shared=True):
        appender.append(rec(1))  # another appender is writing: no need to wait for it
        with path.open("ab") as handle:
            handle.write(b'{"intent":"Polite","rejected')  # a writer killed mid-line
        with pytest.raises(LockTimeoutError):
            appender.append(rec(2))  # moving the fragment away waits for every appender
    with pytest.warns(CorruptLineWarning, match="moved an unfinished last line"):
        appender.append(rec(3))
    assert [r["accepted_output"] for r in read_jsonl(path)] == ["good 0", "good 1", "good 3"]


def test_appends_are_atomic_is_false_for_a_descriptor_it_cannot_ask_about(tmp_path):
    fd = os.open(tmp_path, os.O_RDONLY)
    os.close(fd)
    assert appends_are_atomic(fd) is False and appends_are_atomic(-1) is False


@atomic_appends
def test_a_line_still_landing_is_waited_for_not_taken_for_torn(tmp_path, monkeypatch):
    path = tmp_path / "c.jsonl"
    appender = JsonlFile(path, lock_timeout=0.3, torn_grace=0)
    appender.append(rec(0))
    line = (json.dumps(rec(1)) + "\n").encode()
    _append_beside(path, line[:50])  # another appender's write, half way through
    landed = []

    def rest_lands(real=os.sched_yield):
        if not landed:
            landed.append(True)
            _append_beside(path, line[50:])
        real()

    monkeypatch.setattr(os, "sched_yield", rest_lands)
    with lock_held_by_another_process(path, shared=True):  # the exclusive lock would time out
        appender.append(rec(2))
    assert landed and [r["accepted_output"] for r in read_jsonl(path)] == ["good 0", "good 1", "good 2"]


def _append_beside(path: Path, payload: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, payload)
    finally:
        os.close(fd)


@atomic_appends
def test_short_shared_write_is_cut_out_from_under_later_lines(tmp_path, monkeypatch):
    path = tmp_path / "c.jsonl"
    appender = JsonlFile(path)
    appender.append(rec(0))
    other = (json.dumps(rec(1)) + "\n").encode()
    real_write, data_inode, calls = os.write, path.stat().st_ino, []

    def short_then_another_appends(fd, data):
        if os.fstat(fd).st_ino != data_inode or calls:
            return real_write(fd, data)
        calls.append(len(data))
        written = real_write(fd, bytes(data)[:40])  # the disk fills after 40 bytes ...
        _append_beside(path, other)  # ... space frees up and another process appends a line
        return written

    monkeypatch.setattr(os, "write", short_then_another_appends)
    appender.append(rec(2))
    monkeypatch.undo()
    assert calls and [r["accepted_output"] for r in read_jsonl(path)] == ["good 0", "good 1", "good 2"]


@atomic_appends
def test_failed_fsync_of_a_shared_append_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "c.jsonl"
    appender = JsonlFile(path, fsync=True)
    appender.append(rec(0))
    before = path.read_bytes()

    def fsync_fails(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync_fails)
    with pytest.raises(OSError, match="left as it was") as failure:
        appender.append(rec(1))
    monkeypatch.undo()
    assert failure.value.errno == errno.EIO and path.read_bytes() == before


def test_record_joined_to_an_unfinished_line_is_still_read(tmp_path):
    path = tmp_path / "c.jsonl"
    first, second, third = (json.dumps(rec(i), separators=(",", ":")) for i in range(3))
    # a writer killed mid-line while another appended right behind it
    path.write_text(f"{first}\n{second[:57]}{third}\n")
    skipped = []
    with pytest.warns(CorruptLineWarning, match=r":2: skipped the unfinished start of a line"):
        assert [r["accepted_output"] for r in read_jsonl(path, skipped=skipped)] == ["good 0", "good 2"]
    assert skipped == [2]
    collector = TrainingCollector(path)  # its readers (records, stats, exports, calibration) too
    with pytest.warns(CorruptLineWarning, match=r":2: skipped the unfinished start of a line"):
        assert [r["accepted_output"] for r in collector.records()] == ["good 0", "good 2"]
    with pytest.warns(CorruptLineWarning):
        assert collector.stats()["total_pairs"] == 2


def test_nested_object_of_a_cut_line_is_not_taken_for_a_record(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"intent":"A","attempts":[{"intent":"B","score":1}\n{"intent":"C", "x": {"intent":"D"}\n')  # cut short
    skipped = []
    with pytest.warns(CorruptLineWarning, match=":1: skipped corrupt line"):
        assert list(read_jsonl(path, skipped=skipped)) == []
    assert skipped == [1, 2]


def _writer(path: str, worker: int, n: int) -> None:
    collector = TrainingCollector(path)
    for i in range(n):
        collector.record(**{**PAIR, "accepted_output": f"{worker}-{i}"})


def _plain_writer(path: str, worker: int, n: int) -> None:
    # semantix-ai's own collector: open(..., "a") per record, no lock
    for i in range(n):
        record = {**rec(0), "accepted_output": f"plain{worker}-{i}", "pad": "p" * (i % 7 * 40_000)}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


@pytest.mark.slow
def test_writer_without_our_lock_loses_nothing(tmp_path):
    path = str(tmp_path / "c.jsonl")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_plain_writer, args=(path, w, 300)) for w in range(2)]
    procs += [ctx.Process(target=_writer, args=(path, w, 300)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no corrupt line, nothing moved
        outputs = [r["accepted_output"] for r in read_jsonl(path)]
    assert len(outputs) == 1200 and len(set(outputs)) == 1200
    assert not (tmp_path / "c.jsonl.torn").exists()


@pytest.mark.slow
def test_eight_processes_write_4000_whole_lines(tmp_path):
    path = str(tmp_path / "c.jsonl")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w, 500)) for w in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    records = [json.loads(line) for line in open(path, "rb").read().splitlines()]
    assert len(records) == 4000 and len({r["id"] for r in records}) == 4000
    assert len({r["accepted_output"] for r in records}) == 4000


@pytest.mark.slow
def test_sigkilled_writer_leaves_readable_file(tmp_path):
    path = tmp_path / "c.jsonl"
    script = textwrap.dedent(f"""
        from langchain_semantix import TrainingCollector
        c = TrainingCollector({str(path)!r})
        i = 0
        while True:
            c.record(intent="A", intent_description="d", rejected_output="r" * 20000, rejected_score=0.1,
                     rejected_reason=None, accepted_output=str(i), accepted_score=0.9, feedback=None, attempts=2)
            i += 1
            if i == 50:
                print("ready", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert proc.stdout.readline().strip() == b"ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        complete = list(read_jsonl(path))
    assert len(complete) >= 50
    collector = TrainingCollector(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collector.record(**PAIR)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every line is whole now
        records = list(read_jsonl(path))
    assert len(records) == len(complete) + 1 and records[-1]["intent"] == "Polite"


def test_escaped_lone_surrogate_is_skipped_with_file_and_line(tmp_path):
    bad = json.dumps(rec(1)).replace('"good 1"', '"\\udc80"')
    src = write(tmp_path / "c.jsonl", [rec(0), bad, rec(2)])
    skipped: list[str] = []
    with pytest.warns(CorruptLineWarning, match=r"c\.jsonl:2: skipped .*surrogate"):
        records = list(iter_records(src, skipped=skipped))
    assert [r["accepted_output"] for r in records] == ["good 0", "good 2"] and len(skipped) == 1


def test_over_long_line_is_skipped_and_counted_and_reading_goes_on(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0), json.dumps({**rec(1), "pad": "x" * 5000}), rec(2)])
    skipped: list[str] = []
    with pytest.warns(CorruptLineWarning, match=r":2: skipped a line longer than max_line_bytes=1000"):
        records = list(iter_records(src, skipped=skipped, max_line_bytes=1000))
    assert [r["accepted_output"] for r in records] == ["good 0", "good 2"] and len(skipped) == 1
    assert len(list(iter_records(src))) == 3 and DEFAULT_MAX_LINE_BYTES == 64 * 1024 * 1024
    lines: list[int] = []
    with pytest.warns(CorruptLineWarning):
        assert len(list(read_jsonl(src, skipped=lines, max_line_bytes=1000))) == 2
    assert lines == [2]


def test_devices_and_fifos_are_refused_not_read_forever(tmp_path):
    with pytest.raises(NotARegularFileError, match="not a regular file"):
        list(iter_records("/dev/zero"))
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFileError, match="pipe.jsonl is not a regular file"):
        list(iter_records(fifo))  # opening a FIFO for reading would wait for a writer


def test_failed_write_is_cut_back_to_the_previous_size(tmp_path, monkeypatch):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path, spool=tmp_path / "spool.jsonl")
    collector.record(**PAIR)
    before = path.read_bytes()
    real_write, data_inode = os.write, path.stat().st_ino

    def disk_fills_mid_write(fd, data):
        if os.fstat(fd).st_ino != data_inode:
            return real_write(fd, data)
        if os.fstat(fd).st_size == len(before):
            return real_write(fd, bytes(data)[:100])  # the first part reaches the disk ...
        raise OSError(errno.ENOSPC, "No space left on device")  # ... then the disk is full

    monkeypatch.setattr(os, "write", disk_fills_mid_write)
    with pytest.warns(CollectorWriteWarning, match="No space left on device.*free disk space"):
        collector.record(**{**PAIR, "accepted_output": "spooled"})
    monkeypatch.undo()
    assert path.read_bytes() == before  # no half record left behind
    diagnostics = collector.diagnostics()
    assert diagnostics["write_errors"] == 1 and diagnostics["spooled"] == 1
    assert [r["accepted_output"] for r in read_jsonl(tmp_path / "spool.jsonl")] == ["spooled"]


def test_failed_write_raises_with_on_error_raise(tmp_path, monkeypatch):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path, on_error="raise")
    collector.record(**PAIR)
    before = path.read_bytes()
    real_write = os.write

    def half_then_full(fd, data):
        if os.fstat(fd).st_size > len(before):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, bytes(data)[:50])

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(OSError, match="left as it was") as failure:
        collector.record(**PAIR)
    monkeypatch.undo()
    assert failure.value.errno == errno.ENOSPC and path.read_bytes() == before


@pytest.mark.parametrize("linked", ["c.jsonl", "c.jsonl.lock"])
def test_symlinked_data_or_lock_file_is_refused_at_construction(tmp_path, linked):
    target = tmp_path / "elsewhere"
    target.write_text("")
    (tmp_path / linked).symlink_to(target)
    with pytest.raises(
        PermissionError, match=rf"{linked} is a symbolic link \(to {target}\).*pass the real path {target}, or remove the link"
    ):
        TrainingCollector(tmp_path / "c.jsonl")
    assert target.read_text() == ""


def test_symlink_planted_after_construction_is_refused_at_write(tmp_path):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path, on_error="raise")
    victim = tmp_path / "victim"
    victim.write_text("keep")
    path.symlink_to(victim)
    with pytest.raises(PermissionError, match="symbolic link"):
        collector.record(**PAIR)
    assert victim.read_text() == "keep"


def test_lock_file_that_cannot_be_created_fails_at_once_with_the_os_error(tmp_path):
    with pytest.raises(OSError, match=r"cannot create the lock file /proc/x\.jsonl\.lock .*writable") as failure:
        JsonlFile("/proc/x.jsonl", lock_timeout=60).append(rec(0))
    assert not isinstance(failure.value, LockTimeoutError)


def test_mode_000_file_names_the_missing_read_permission(tmp_path):
    path = write(tmp_path / "c.jsonl", [rec(0)])
    path.chmod(0o000)
    with pytest.raises(PermissionError, match=r"no read or write permission \(mode 0000\).*chmod u\+rw") as failure:
        TrainingCollector(path)
    assert "read-only" not in str(failure.value)


def test_read_only_file_can_be_read_and_refuses_only_writes(tmp_path):
    path = write(tmp_path / "c.jsonl", [rec(0)])
    path.chmod(0o444)
    collector = TrainingCollector(path, on_error="raise")
    assert collector.stats() == {"total_pairs": 1, "intents": {"Polite": 1}}
    with pytest.raises(PermissionError, match=r"read-only \(mode 0444\).*chmod u\+w"):
        collector.record(**PAIR)
    assert len(path.read_text().splitlines()) == 1


def test_deleted_lock_file_is_replaced_not_locked_alone(tmp_path):
    path = tmp_path / "c.jsonl"
    appender = JsonlFile(path, lock_timeout=0.3)
    appender.append(rec(0))
    (tmp_path / "c.jsonl.lock").unlink()  # e.g. a cleanup job
    with lock_held_by_another_process(path), pytest.raises(LockTimeoutError):
        appender.append(rec(1))  # the lock at the path is held: waiting on the deleted one would be wrong
    appender.append(rec(2))
    assert [r["accepted_output"] for r in read_jsonl(path)] == ["good 0", "good 2"]


def test_replaced_data_file_gets_the_next_records(tmp_path):
    path = tmp_path / "c.jsonl"
    appender = JsonlFile(path)
    appender.append(rec(0))
    path.rename(tmp_path / "c.1.jsonl")  # rotated away
    appender.append(rec(1))
    assert [r["accepted_output"] for r in read_jsonl(path)] == ["good 1"]
    assert [r["accepted_output"] for r in read_jsonl(tmp_path / "c.1.jsonl")] == ["good 0"]


def _append_in_child(path: str, appender: JsonlFile, out) -> None:
    try:
        appender.append(rec(1))
        out.put("appended while the parent held the lock")
    except LockTimeoutError:
        out.put("waited")


def test_forked_child_takes_its_own_lock(tmp_path):
    path = tmp_path / "c.jsonl"
    appender = JsonlFile(path, lock_timeout=0.3)
    appender.append(rec(0))  # opens the descriptors the child inherits
    fcntl.flock(appender._lock_fd, fcntl.LOCK_EX)  # the parent is mid-append
    try:
        ctx = multiprocessing.get_context("fork")
        out = ctx.Queue()
        child = ctx.Process(target=_append_in_child, args=(str(path), appender, out))
        child.start()
        assert out.get(timeout=60) == "waited"
        child.join(60)
    finally:
        fcntl.flock(appender._lock_fd, fcntl.LOCK_UN)
    assert len(list(read_jsonl(path))) == 1


_TRICKY_LINES = [
    b'{"a": 1, "b": [1.5, -0.0, "x"], "c": {"d": null, "e": true}}',
    b'{"big": 18446744073709551615, "bigger": 18446744073709551616, "low": -9223372036854775809}',
    b'{"deep": [[[[{"n": 123456789012345678901234567890}]]]]}',
    b'{"wide": 1e19, "huge": 1e300, "tiny": 1e-320, "over": 1e400}',
    b'{"nan": NaN}',
    b'{"inf": -Infinity}',
    b'{"lone": "\\ud800"}',
    b'{"pair": "\\ud83d\\ude00", "raw": "\xc3\xa9 \xe6\xbc\xa2"}',
    b'{"bad utf8": "\xff"}',
    b'{"control": "a\x01b"}',
    b'{"escaped": "\\u0000"}',
    b'{"a": 1, "b": 2, "a": 3}',
    b"  {}  \r\n",
    b"[1, 2]",
    b"123456789012345678901234567890",
    b'"text"',
    b"{" * 2000 + b"}" * 2000,
    b'{"x": ' + b"[" * 1020 + b"]" * 1020 + b"}",
    b'{"unterminated": ',
]


@pytest.mark.parametrize("line", _TRICKY_LINES, ids=range(len(_TRICKY_LINES)))
def test_lines_are_parsed_exactly_as_the_standard_parser_parses_them(line):
    try:
        expected: object = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        expected = type(exc)
    try:
        got: object = parse_json_object(line)
    except CorruptLineError:
        got = ValueError
    if isinstance(expected, dict):
        assert repr(got) == repr(expected)  # repr: 1 and 1.0 differ, as do key orders
    else:
        assert got is ValueError  # refused (not an object, or unreadable), with the reason
        with pytest.raises(CorruptLineError, match="nested too deeply|corrupt line"):
            parse_json_object(line)


def test_line_bytes_drop_the_bom_and_blank_lines(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n   \n{"b": 2}')
    assert list(iter_line_bytes(path)) == [(1, b'{"a": 1}\n'), (4, b'{"b": 2}')]
    path.write_bytes(b"\xef\xbb\xbf\n\t\r\x0b\x0c \n \xc2\xa0\n")  # a BOM line, ASCII whitespace, a no-break space
    assert list(iter_line_bytes(path)) == [(3, b" \xc2\xa0\n")]  # as bytes.strip() sees them
    path.write_bytes(b"\xef\xbb\xbf")  # nothing but the BOM
    assert list(iter_line_bytes(path)) == []

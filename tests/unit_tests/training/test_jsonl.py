import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import pytest
from filelock import FileLock

from langchain_semantix import TrainingCollector
from langchain_semantix.training import CorruptLineWarning, read_jsonl
from langchain_semantix.training.backends import iter_records
from langchain_semantix.training.jsonl import JsonlFile, LockTimeoutError
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


def _hold_lock(lock_path: str, ready, release) -> None:
    with FileLock(lock_path):
        ready.set()
        release.wait(60)


def test_lock_wait_has_a_timeout_and_names_the_lock(tmp_path):
    path = tmp_path / "c.jsonl"
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(path) + ".lock", ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(LockTimeoutError, match=r"c\.jsonl\.lock"):
            JsonlFile(path, lock_timeout=0.3).append(rec(0))
    finally:
        release.set()
        holder.join(60)
    assert not path.exists() or read_jsonl(path) is not None


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

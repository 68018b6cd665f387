import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from langgraph.store.memory import InMemoryStore

from langchain_semantix import TrainingCollector, TrainingDataLogger, with_intent_retry
from langchain_semantix.training import (
    CorruptLineWarning,
    RecordError,
    get_default_collector,
    read_jsonl,
    set_default_collector,
)
from langchain_semantix.training.exporters import export_openai
from tests.conftest import Polite

PAIR = dict(intent="Polite", intent_description="d", rejected_output="no", rejected_score=0.1,
            rejected_reason="rude", accepted_output="yes", accepted_score=0.9, feedback="fb", attempts=2)


def test_semantix_api(tmp_path):
    path = tmp_path / "deep" / "dir" / "c.jsonl"
    collector = TrainingCollector(path)
    assert collector.stats()["total_pairs"] == 0  # missing file = zero pairs
    collector.record(**PAIR)
    line = json.loads(path.read_text())
    for key in ("intent", "rejected_output", "accepted_score", "feedback", "attempts", "timestamp", "schema_version", "id"):
        assert key in line
    assert collector.stats()["intents"] == {"Polite": 1} and collector.path == path
    set_default_collector(collector)
    assert get_default_collector() is collector
    set_default_collector(None)


def test_chain_correction_records_real_prompt(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    chain = with_intent_retry(healing_model, Polite, judge=judge)
    chain.invoke("the gala", config={"callbacks": [collector], "tags": ["t1"], "metadata": {"user": "u1"}})
    chain.invoke("the gala", config={"callbacks": [collector]})
    (record,) = [r for r in collector.records()][:1]
    received = healing_model.calls[1]
    assert [m["content"] for m in record["prompt_messages"]] == [m.content for m in received]
    assert record["model"] == "scripted" and record["tags"] == ["t1"] and record["metadata"]["user"] == "u1"
    assert record["rejected_attempts"][0]["output"] == "No. Go away." and record["attempts"] == 2
    assert collector.stats()["total_pairs"] == 2


def test_first_try_pass_records_nothing(tmp_path, judge):
    from langchain_semantix.testing import ScriptedChatModel

    collector = TrainingCollector(tmp_path / "c.jsonl")
    with_intent_retry(ScriptedChatModel(draft="Thank you, no."), Polite, judge=judge).invoke(
        "x", config={"callbacks": [collector]})
    stats = collector.stats()
    assert stats["total_pairs"] == 0 and stats["first_try_passes"] == 1 and not (tmp_path / "c.jsonl").exists()


def test_concurrent_async_runs_do_not_mix(tmp_path, judge):
    from langchain_semantix.testing import ScriptedChatModel

    collector = TrainingCollector(tmp_path / "c.jsonl")
    model = ScriptedChatModel(draft=lambda q: f"go away {q}", revision=lambda q: f"Sorry, {q}: I can't.")
    chain = with_intent_retry(model, Polite, judge=judge)

    async def both():
        return await asyncio.gather(*(chain.ainvoke(q, config={"callbacks": [collector]}) for q in ("alpha", "beta")))

    asyncio.run(both())
    records = sorted(collector.records(), key=lambda r: r["accepted_output"])
    assert len(records) == 2
    for record, q in zip(records, ("alpha", "beta")):
        assert record["accepted_output"] == f"Sorry, {q}: I can't."
        assert record["rejected_output"] == f"go away {q}"
        assert record["prompt_messages"][0]["content"] == q


def test_store_backend_and_export(tmp_path, judge, healing_model):
    store = InMemoryStore()
    collector = TrainingCollector.from_store(store)
    with_intent_retry(healing_model, Polite, judge=judge).invoke("the fair", config={"callbacks": [collector]})
    assert collector.stats()["total_pairs"] == 1 and collector.path is None
    result = export_openai(store, tmp_path / "sft.jsonl")
    assert result.written == 1


def test_bad_input_leaves_file_intact(tmp_path):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path)
    collector.record(**PAIR)
    before = path.read_bytes()
    with pytest.raises(RecordError, match="JSON"):
        collector.record(**PAIR, metadata={"obj": object()})
    with pytest.raises(RecordError, match="rejected_score"):
        collector.record(**{**PAIR, "rejected_score": "high"})
    with pytest.raises(RecordError, match="accepted_output"):
        collector.record(**{**PAIR, "accepted_output": None})
    assert path.read_bytes() == before
    big = "x" * 5_000_000
    collector.record(**{**PAIR, "accepted_output": big, "rejected_score": None})
    assert list(read_jsonl(path))[-1]["accepted_output"] == big


def test_directory_and_read_only_paths(tmp_path):
    with pytest.raises(IsADirectoryError, match="directory"):
        TrainingCollector(tmp_path)
    path = tmp_path / "ro.jsonl"
    path.write_text(json.dumps({"intent": "A", "intent_description": "d", "accepted_output": "x"}) + "\n")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        TrainingCollector(path).record(**PAIR)
    assert len(path.read_text().splitlines()) == 1


def test_corrupt_lines_are_skipped_with_line_numbers(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"intent":"A","intent_description":"d","accepted_output":"x"}\nnot json\n[1]\n')
    with pytest.warns(CorruptLineWarning, match=":2:"):
        assert len(list(read_jsonl(path))) == 1


def test_torn_tail_is_repaired_before_append(tmp_path):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path)
    collector.record(**PAIR)
    with open(path, "ab") as handle:
        handle.write(b'{"intent": "half')
    with pytest.warns(CorruptLineWarning, match="torn"):
        collector.record(**PAIR)
    assert [r["intent"] for r in read_jsonl(path)] == ["Polite", "Polite"]
    assert b"half" in (tmp_path / "c.jsonl.torn").read_bytes()


def _writer(path: str, worker: int, n: int) -> None:
    collector = TrainingCollector(path)
    for i in range(n):
        collector.record(**{**PAIR, "accepted_output": f"{worker}-{i}"})


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
    lines = open(path, "rb").read().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 4000 and len({r["id"] for r in records}) == 4000
    assert len({r["accepted_output"] for r in records}) == 4000


@pytest.mark.slow
def test_sigkilled_writer_leaves_readable_file(tmp_path):
    path = tmp_path / "c.jsonl"
    script = textwrap.dedent(f"""
        import sys
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
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        complete = list(read_jsonl(path))
    assert len(complete) >= 50
    collector = TrainingCollector(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collector.record(**PAIR)
    records = list(read_jsonl(path))  # no warning: every line is whole now
    assert len(records) == len(complete) + 1 and records[-1]["intent"] == "Polite"


def test_redact_applies_to_every_text(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl", redact=lambda t: t.replace("gala", "[X]"))
    with_intent_retry(healing_model, Polite, judge=judge).invoke("the gala", config={"callbacks": [collector]})
    assert "gala" not in (tmp_path / "c.jsonl").read_text()


def test_training_data_logger(tmp_path, healing_model):
    path = tmp_path / "calls.jsonl"
    log = TrainingDataLogger(path, run_metadata={"dataset": "d1"})
    log.log("rule_synthesis", [{"role": "user", "content": "hi"}], "hello", {"iteration": 1})
    healing_model.invoke("question", config={"callbacks": [log]})
    lines = list(read_jsonl(path))
    assert lines[0]["messages"][-1] == {"role": "assistant", "content": "hello"}
    assert lines[0]["metadata"] == {"dataset": "d1", "iteration": 1} and lines[0]["run_id"] == log.run_id
    assert lines[1]["call_type"] == "chat_model" and lines[1]["messages"][0]["content"] == "question"
    assert log.count == 2 and log.stats == {"rule_synthesis": 1, "chat_model": 1} and len(log.run_id) == 32
    TrainingDataLogger(path).log("x", [], "y")  # a second run appends
    assert len(list(read_jsonl(path))) == 3
    with pytest.raises(RecordError, match="role"):
        log.log("x", [{"text": "no role"}], "y")

import asyncio
import json
import multiprocessing

import pytest
from filelock import FileLock
from langchain_core.messages import AIMessage
from langgraph.store.memory import InMemoryStore

from langchain_semantix import SemanticIntentError, TrainingCollector, with_intent_retry
from langchain_semantix.testing import ScriptedChatModel
from langchain_semantix.training import RecordError, get_default_collector, read_jsonl, set_default_collector
from langchain_semantix.training.collector import CollectorWriteWarning
from langchain_semantix.training.exporters import export_openai
from tests.conftest import Polite
from tests.unit_tests.training._data import PAIR, healed_outcome


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
    with_intent_retry(ScriptedChatModel(draft="Thank you, no."), Polite, judge=judge).invoke("x", config={"callbacks": [collector]})
    stats = collector.stats()
    assert stats == {"total_pairs": 0, "intents": {}} and not (tmp_path / "c.jsonl").exists()
    assert collector.diagnostics()["first_try_passes"] == 1


async def test_concurrent_async_runs_do_not_mix(tmp_path, judge):
    from langchain_semantix.testing import ScriptedChatModel

    collector = TrainingCollector(tmp_path / "c.jsonl")
    model = ScriptedChatModel(draft=lambda q: f"go away {q}", revision=lambda q: f"Sorry, {q}: I can't.")
    chain = with_intent_retry(model, Polite, judge=judge)
    await asyncio.gather(*(chain.ainvoke(q, config={"callbacks": [collector]}) for q in ("alpha", "beta")))
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


def test_redact_applies_to_every_text(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl", redact=lambda t: t.replace("gala", "[X]"))
    with_intent_retry(healing_model, Polite, judge=judge).invoke("the gala", config={"callbacks": [collector]})
    assert "gala" not in (tmp_path / "c.jsonl").read_text()


def test_stats_is_semantix_shape_and_outcomes_are_diagnostics(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    with_intent_retry(healing_model, Polite, judge=judge).invoke("the gala", config={"callbacks": [collector]})
    assert collector.stats() == {"total_pairs": 1, "intents": {"Polite": 1}}
    diagnostics = collector.diagnostics()
    assert diagnostics["healed"] == 1 and diagnostics["write_errors"] == 0 and diagnostics["pending_runs"] == 0


def test_write_failure_is_counted_warned_and_spooled(tmp_path, judge, healing_model):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path, spool=tmp_path / "spool.jsonl")
    collector.record(**PAIR)
    path.chmod(0o444)  # the destination becomes read-only (a full disk behaves alike)
    chain = with_intent_retry(healing_model, Polite, judge=judge)
    with pytest.warns(CollectorWriteWarning, match="read-only"):
        chain.invoke("the gala", config={"callbacks": [collector]})
    diagnostics = collector.diagnostics()
    assert diagnostics["write_errors"] == 1 and diagnostics["spooled"] == 1
    assert "read-only" in diagnostics["last_write_error"]
    assert [r["accepted_output"] for r in read_jsonl(tmp_path / "spool.jsonl")] == [
        "Thank you for asking about the gala, but I can't attend."
    ]
    strict = TrainingCollector(tmp_path / "ro" / "c.jsonl", on_error="raise")
    strict.record(**PAIR)
    (tmp_path / "ro" / "c.jsonl").chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        chain.invoke("the fair", config={"callbacks": [strict]})
    assert strict.diagnostics()["write_errors"] == 1


def test_record_refuses_unreadable_text_and_nan(tmp_path):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path)
    with pytest.raises(RecordError, match="surrogate"):
        collector.record(**{**PAIR, "accepted_output": "x\udcff"})
    with pytest.raises(RecordError, match="accepted_score"):
        collector.record(**{**PAIR, "accepted_score": float("nan")})
    assert not path.exists()


def test_two_thousand_failed_runs_leave_no_pending_state(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    chain = with_intent_retry(ScriptedChatModel(draft="go away " + "x" * 2000), Polite, judge=judge, max_attempts=2)
    for i in range(2000):
        with pytest.raises(SemanticIntentError):
            chain.invoke(f"q{i}", config={"callbacks": [collector]})
    diagnostics = collector.diagnostics()
    assert diagnostics["unhealed"] == 2000
    assert diagnostics["pending_runs"] == 0 and diagnostics["pending_bytes"] == 0 and not collector._runs


def test_pending_prompts_are_bounded_by_bytes(tmp_path):
    from langchain_core.messages import HumanMessage

    collector = TrainingCollector(tmp_path / "c.jsonl", max_pending_bytes=200_000)
    for i in range(500):  # runs that never report an outcome (e.g. the process's chain crashed)
        collector.on_chat_model_start(
            {},
            [[HumanMessage("x" * 10_000)]],
            run_id=__import__("uuid").uuid4(),
            metadata={"semantix_session": f"s{i}", "semantix_attempt": 1},
        )
    assert collector.diagnostics()["pending_bytes"] <= 200_000 + 20_000


def test_redaction_covers_every_written_text(tmp_path):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path, redact=lambda t: t.replace("SECRET", "[X]"))
    collector.record(
        intent="Polite",
        intent_description="say SECRET",
        rejected_output="SECRET no",
        rejected_score=0.1,
        rejected_reason="SECRET reason",
        accepted_output="SECRET yes",
        accepted_score=0.9,
        feedback="SECRET fb",
        attempts=2,
        prompt_messages=[
            {"role": "user", "content": [{"type": "text", "text": "SECRET block"}]},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "1", "name": "f", "args": {"q": "SECRET"}}]},
        ],
        rejected_attempts=[{"attempt": 1, "output": "SECRET a", "feedback": "SECRET f", "reason": "SECRET r"}],
        tags=["SECRET"],
        metadata={"user": "SECRET", "nested": {"k": ["SECRET"]}},
        extra_field="SECRET",
    )
    text = path.read_text()
    assert "SECRET" not in text and text.count("[X]") == 14


def test_logprobs_returned_by_the_model_are_kept(tmp_path, judge):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    lp = lambda t: {"content": [{"token": t, "logprob": -0.5}]}  # noqa: E731
    model = GenericFakeChatModel(
        messages=iter(
            [
                AIMessage("No. Go away.", response_metadata={"logprobs": lp("No")}),
                AIMessage("Thank you, but I can't.", response_metadata={"logprobs": lp("Thank")}),
            ]
        )
    )
    collector = TrainingCollector(tmp_path / "c.jsonl")
    with_intent_retry(model, Polite, judge=judge).invoke("the gala", config={"callbacks": [collector]})
    (record,) = collector.records()
    assert record["accepted_logprobs"] == lp("Thank")
    assert record["rejected_attempts"][0]["logprobs"] == lp("No")


def _hold_lock(lock_path, ready, release):
    with FileLock(lock_path):
        ready.set()
        release.wait(60)


async def test_event_loop_keeps_running_while_another_process_holds_the_lock(tmp_path, judge, healing_model):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path, lock_timeout=60)
    chain = with_intent_retry(healing_model, Polite, judge=judge)
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(path) + ".lock", ready, release))
    holder.start()

    async def scenario():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        tick_task = asyncio.create_task(ticker())
        await chain.ainvoke("the gala", config={"callbacks": [collector]})  # returns: the lock did not block it
        pending = asyncio.create_task(collector.ahandle_outcome({**healed_outcome(), "session_id": "explicit"}))
        before = ticks
        await asyncio.sleep(0.2)
        assert ticks > before and not pending.done() and not path.exists()  # the write is waiting, the loop is not
        release.set()
        await pending
        await collector.aflush()
        tick_task.cancel()

    try:
        assert ready.wait(60)
        await scenario()
    finally:
        release.set()
        holder.join(60)
    assert len(list(read_jsonl(path))) == 2


@pytest.mark.parametrize(
    "kwargs,error,name",
    [
        ({"redact": "lower"}, TypeError, "redact"),
        ({"lock_timeout": 0}, ValueError, "lock_timeout"),
        ({"lock_timeout": -1}, ValueError, "lock_timeout"),
        ({"lock_timeout": "5"}, ValueError, "lock_timeout"),
        ({"lock_timeout": float("nan")}, ValueError, "lock_timeout"),
        ({"lock_timeout": float("inf")}, ValueError, "lock_timeout"),
        ({"max_pending_bytes": 0}, ValueError, "max_pending_bytes"),
        ({"max_pending_bytes": 1.5}, ValueError, "max_pending_bytes"),
        ({"max_pending_bytes": True}, ValueError, "max_pending_bytes"),
        ({"spool": 7}, TypeError, "spool"),
    ],
)
def test_constructor_refuses_bad_arguments_naming_them(tmp_path, kwargs, error, name):
    with pytest.raises(error, match=name):
        TrainingCollector(tmp_path / "c.jsonl", **kwargs)
    assert not list(tmp_path.iterdir())  # nothing created for a collector that was refused


@pytest.mark.parametrize("path,error", [(3, TypeError), (b"c.jsonl", TypeError), (None, ValueError), ("", ValueError)])
def test_non_path_is_refused_naming_the_argument(path, error):
    with pytest.raises(error, match="path"):
        TrainingCollector(path)


def test_connection_string_points_to_the_store_helpers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"open_store.*TrainingCollector\.from_store"):
        TrainingCollector("postgresql://app:secret@db/agents")
    assert not list(tmp_path.iterdir())  # no "postgresql:" folder made


async def test_arecord_appends_concurrent_pairs_in_batches(tmp_path, monkeypatch):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path)
    writes = []
    real = collector._file.append_bytes
    monkeypatch.setattr(collector._file, "append_bytes", lambda payload: writes.append(payload.count(b"\n")) or real(payload))

    returned = await asyncio.gather(*(collector.arecord(**{**PAIR, "accepted_output": f"a{i}"}) for i in range(50)))
    stored = list(read_jsonl(path))
    assert sorted(r["accepted_output"] for r in stored) == sorted(f"a{i}" for i in range(50))
    assert [r["id"] for r in returned] == [r["id"] for r in stored]  # written in the order they were recorded
    assert sum(writes) == 50 and len(writes) < 50  # several pairs per lock acquisition and write


async def test_arecord_failure_is_counted_spooled_or_raised(tmp_path):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path, spool=tmp_path / "spool.jsonl")
    collector.record(**PAIR)
    path.chmod(0o444)
    with pytest.warns(CollectorWriteWarning, match="read-only"):
        await collector.arecord(**{**PAIR, "accepted_output": "kept"})
    assert collector.diagnostics()["spooled"] == 1
    assert [r["accepted_output"] for r in read_jsonl(tmp_path / "spool.jsonl")] == ["kept"]
    strict = TrainingCollector(path)
    with pytest.warns(CollectorWriteWarning), pytest.raises(PermissionError, match="read-only"):
        await strict.arecord(**PAIR)
    with pytest.raises(RecordError, match="tags"):
        await strict.arecord(**PAIR, tags="abc")


async def test_ahandle_outcome_writes_through_the_batches(tmp_path):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    outcomes = await asyncio.gather(*(collector.ahandle_outcome({**healed_outcome(), "session_id": f"s{i}"}) for i in range(20)))
    assert all(r is not None for r in outcomes)
    assert collector.stats()["total_pairs"] == 20 and collector.diagnostics()["healed"] == 20


def test_the_accepted_attempt_named_by_the_outcome_is_the_accepted_text(tmp_path):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    outcome = healed_outcome()
    later = {**outcome["attempts"][0], "attempt": 3, "output": "listed after the answer"}
    collector.handle_outcome({**outcome, "attempts": [*outcome["attempts"], later]})
    (record,) = list(read_jsonl(tmp_path / "c.jsonl"))
    assert record["accepted_output"] == "yes" and record["attempts"] == 2
    assert [a["output"] for a in record["rejected_attempts"]] == ["no"]


def test_an_accepted_attempt_that_names_no_attempt_is_a_counted_failure(tmp_path):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    with pytest.warns(CollectorWriteWarning, match="accepted_attempt 7"):
        assert collector.handle_outcome({**healed_outcome(), "accepted_attempt": 7}) is None
    assert list(read_jsonl(tmp_path / "c.jsonl")) == []
    assert collector.diagnostics()["write_errors"] == 1


def test_a_first_attempt_accepted_is_a_first_try_pass(tmp_path):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    assert collector.handle_outcome({**healed_outcome(), "accepted_attempt": 1}) is None
    assert collector.diagnostics()["first_try_passes"] == 1 and collector.diagnostics()["healed"] == 0

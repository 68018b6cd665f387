import pytest

from langchain_semantix import TrainingDataLogger
from langchain_semantix.training import RecordError, read_jsonl


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


def test_logger_redacts_every_written_text(tmp_path):
    from langchain_core.messages import AIMessage, HumanMessage

    path = tmp_path / "calls.jsonl"
    log = TrainingDataLogger(path, run_metadata={"key": "SECRET"}, redact=lambda t: t.replace("SECRET", "[X]"))
    log.log(
        "c",
        [
            HumanMessage([{"type": "text", "text": "SECRET block"}]),
            AIMessage("", tool_calls=[{"id": "1", "name": "f", "args": {"q": "SECRET"}}]),
        ],
        "SECRET answer",
        {"note": ["SECRET"]},
    )
    text = path.read_text()
    assert "SECRET" not in text and text.count("[X]") == 5


def test_logger_checks_its_destination_and_refuses_unreadable_text(tmp_path):
    with pytest.raises(PermissionError, match="writable folder"):
        TrainingDataLogger("/proc/calls.jsonl")
    log = TrainingDataLogger(tmp_path / "calls.jsonl")
    with pytest.raises(RecordError, match="surrogate"):
        log.log("c", [{"role": "user", "content": "x"}], "bad \ud800")
    assert not (tmp_path / "calls.jsonl").exists() and log.count == 0


def test_every_line_has_exactly_the_fields_of_the_entry_schema(tmp_path):
    from langchain_semantix.training.logger import LogEntry

    log = TrainingDataLogger(tmp_path / "calls.jsonl", run_metadata={"dataset": "d"})
    log.log("synth", [{"role": "user", "content": "q"}], "a", {"step": 1})
    (entry,) = list(read_jsonl(tmp_path / "calls.jsonl"))
    assert set(entry) == set(LogEntry.__annotations__)
    assert entry["messages"][-1] == {"role": "assistant", "content": "a"} and entry["metadata"] == {"dataset": "d", "step": 1}

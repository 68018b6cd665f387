"""IntentMiddleware: every exit of the wrap_model_call retry, and what a collector records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.tools import tool

from langchain_semantix import SemanticIntentError, TrainingCollector
from langchain_semantix.feedback import is_feedback_message
from langchain_semantix.middleware import IntentMiddleware
from langchain_semantix.testing import ScriptedChatModel
from tests.conftest import Polite

pytest.importorskip("langchain.agents")
from langchain.agents import create_agent  # noqa: E402

START = {"messages": [("human", "Decline the gala")]}


def _agent(model: Any, *, tools: Sequence[Any] = (), **options: Any) -> Any:
    return create_agent(model, list(tools), system_prompt="You are kind.", middleware=[IntentMiddleware(Polite, **options)])


def test_pass_first_try_leaves_the_conversation_alone(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    model = ScriptedChatModel(draft="Thank you, but I can't.")
    out = _agent(model, judge=judge).invoke(START, config={"callbacks": [collector]})
    assert [m.type for m in out["messages"]] == ["human", "ai"]
    assert len(model.calls) == 1
    assert collector.stats()["total_pairs"] == 0


def test_heal_records_the_real_prompt_and_drops_the_correction(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    out = _agent(healing_model, judge=judge).invoke(START, config={"callbacks": [collector]})
    # keep_history=False by default: neither the rejected draft nor the feedback stays
    assert [m.type for m in out["messages"]] == ["human", "ai"]
    assert out["messages"][-1].content.startswith("Thank you")
    retry_prompt = healing_model.calls[1]
    assert [m.type for m in retry_prompt] == ["system", "human", "ai", "human"]
    assert is_feedback_message(retry_prompt[-1])
    (record,) = list(collector.records())
    assert [m["role"] for m in record["prompt_messages"]] == ["system", "user", "assistant", "user"]
    assert record["prompt_messages"][0]["content"] == "You are kind."
    assert record["model"] == "scripted"
    assert record["run_id"]
    assert record["rejected_output"] == "No. Go away." and record["accepted_output"].startswith("Thank you")
    assert record["metadata"]["source"] == "agent_middleware"


def test_keep_history_keeps_drafts_and_feedback(judge, healing_model):
    out = _agent(healing_model, judge=judge, keep_history=True).invoke(START)
    assert [m.type for m in out["messages"]] == ["human", "ai", "human", "ai"]
    assert is_feedback_message(out["messages"][2])


def test_exhausted_raises_with_every_attempt(judge):
    model = ScriptedChatModel(draft="go away")
    with pytest.raises(SemanticIntentError) as info:
        _agent(model, judge=judge, max_attempts=2).invoke(START)
    assert [a["attempt"] for a in info.value.attempts] == [1, 2]
    assert len(model.calls) == 2


def test_exhausted_accept_returns_the_last_draft_without_corrections(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    out = _agent(ScriptedChatModel(draft="go away"), judge=judge, max_attempts=2, on_exhausted="accept").invoke(
        START, config={"callbacks": [collector]}
    )
    assert [m.type for m in out["messages"]] == ["human", "ai"]
    assert out["messages"][-1].content == "go away"
    assert collector.stats()["total_pairs"] == 0


class ToolCallingModel(GenericFakeChatModel):
    def bind_tools(self, tools: Any, **kwargs: Any) -> ToolCallingModel:  # type: ignore[override]
        return self


def _replies(*messages: AIMessage) -> Iterator[AIMessage]:
    return iter(messages)


@tool
def lookup(event: str) -> str:
    """Look up an event."""
    return f"{event} is on Friday"


def test_tool_call_turns_are_not_judged(judge):
    model = ToolCallingModel(
        messages=_replies(
            AIMessage("", tool_calls=[{"name": "lookup", "args": {"event": "gala"}, "id": "call-1"}]),
            AIMessage("go away"),
            AIMessage("Thank you, but I can't make Friday."),
        )
    )
    out = _agent(model, tools=[lookup], judge=judge).invoke(START)
    types = [m.type for m in out["messages"]]
    assert types == ["human", "ai", "tool", "ai"]
    assert out["messages"][1].tool_calls and out["messages"][-1].content.startswith("Thank you")
    assert judge.calls == 2  # the tool-call turn was never judged


async def test_async_heal_and_raise(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    out = await _agent(healing_model, judge=judge).ainvoke(START, config={"callbacks": [collector]})
    assert [m.type for m in out["messages"]] == ["human", "ai"]
    (record,) = list(collector.records())
    assert record["prompt_messages"][0]["role"] == "system"
    with pytest.raises(SemanticIntentError):
        await _agent(ScriptedChatModel(draft="go away"), judge=judge, max_attempts=2).ainvoke(START)


def test_bad_options(judge):
    with pytest.raises(ValueError, match="on_exhausted"):
        IntentMiddleware(Polite, judge=judge, on_exhausted="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_attempts"):
        IntentMiddleware(Polite, judge=judge, max_attempts=0)
    with pytest.raises(TypeError, match="keep_history must be True or False"):
        IntentMiddleware(Polite, judge=judge, keep_history="no")  # type: ignore[arg-type]


def _tool_then(*answers: str) -> ToolCallingModel:
    """A model that answers ``go away``, calls ``lookup`` while correcting itself, then ``answers``."""
    call = AIMessage("", tool_calls=[{"name": "lookup", "args": {"event": "gala"}, "id": "call-1"}])
    return ToolCallingModel(messages=_replies(AIMessage("go away"), call, *(AIMessage(a) for a in answers)))


def _settled(collector: TrainingCollector) -> tuple[int, int, int, int]:
    d = collector.diagnostics()
    return d["first_try_passes"], d["healed"], d["unhealed"], d["pending_runs"]


def test_a_retry_that_calls_a_tool_continues_its_session_after_the_tool(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    out = _agent(_tool_then("Thank you, but I can't make Friday."), tools=[lookup], judge=judge).invoke(
        START, config={"callbacks": [collector]}
    )
    # the correction stays while the model uses the tool, and goes once the answer passes
    assert [m.type for m in out["messages"]] == ["human", "ai", "tool", "ai"]
    assert out["messages"][1].tool_calls and out["messages"][-1].content.startswith("Thank you")
    assert not any(is_feedback_message(m) for m in out["messages"])
    assert _settled(collector) == (0, 1, 0, 0)
    assert "semantix_session" not in out  # private state
    (record,) = list(collector.records())
    assert record["rejected_output"] == "go away" and record["accepted_output"].startswith("Thank you")
    assert record["attempts"] == 2
    assert [m["role"] for m in record["prompt_messages"]] == ["system", "user", "assistant", "user", "assistant", "tool"]


def test_a_retry_that_calls_a_tool_keeps_the_correction_with_keep_history(judge):
    out = _agent(_tool_then("Thank you, but I can't make Friday."), tools=[lookup], judge=judge, keep_history=True).invoke(START)
    assert [m.type for m in out["messages"]] == ["human", "ai", "human", "ai", "tool", "ai"]
    assert is_feedback_message(out["messages"][2])


def test_attempts_after_the_tool_count_towards_max_attempts(judge):
    with pytest.raises(SemanticIntentError) as info:
        _agent(_tool_then("go away", "Thank you."), tools=[lookup], judge=judge, max_attempts=2).invoke(START)
    assert [a["attempt"] for a in info.value.attempts] == [1, 2]


def test_a_run_that_ends_on_the_tool_closes_the_session(tmp_path, judge):
    from langgraph.checkpoint.memory import InMemorySaver

    @tool(return_direct=True)
    def lookup_and_stop(event: str) -> str:
        """Look up an event and end the run."""
        return f"{event} is on Friday"

    collector = TrainingCollector(tmp_path / "c.jsonl")
    call = AIMessage("", tool_calls=[{"name": "lookup_and_stop", "args": {"event": "gala"}, "id": "call-1"}])
    model = ToolCallingModel(messages=_replies(AIMessage("go away"), call, AIMessage("Thank you, but no.")))
    agent = create_agent(model, [lookup_and_stop], middleware=[IntentMiddleware(Polite, judge=judge)], checkpointer=InMemorySaver())
    config = {"callbacks": [collector], "configurable": {"thread_id": "t"}}
    agent.invoke(START, config=config)
    assert _settled(collector) == (0, 0, 1, 0)
    agent.invoke(START, config=config)  # a new run on the thread opens a new session
    assert _settled(collector) == (1, 0, 1, 0)


def test_the_session_survives_a_human_review_of_the_tool_call(tmp_path, judge):
    from langchain.agents.middleware import HumanInTheLoopMiddleware
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    collector = TrainingCollector(tmp_path / "c.jsonl")
    agent = create_agent(
        _tool_then("Thank you, but I can't make Friday."),
        [lookup],
        middleware=[HumanInTheLoopMiddleware(interrupt_on={"lookup": True}), IntentMiddleware(Polite, judge=judge)],
        checkpointer=InMemorySaver(),
    )
    config = {"callbacks": [collector], "configurable": {"thread_id": "t"}}
    assert "__interrupt__" in agent.invoke(START, config=config)
    assert _settled(collector)[3] == 1  # the session waits for the answer after the tool
    out = agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), config=config)
    assert out["messages"][-1].content.startswith("Thank you")
    assert _settled(collector) == (0, 1, 0, 0)


async def test_async_retry_that_calls_a_tool_continues_its_session(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    out = await _agent(_tool_then("Thank you, but I can't make Friday."), tools=[lookup], judge=judge).ainvoke(
        START, config={"callbacks": [collector]}
    )
    assert [m.type for m in out["messages"]] == ["human", "ai", "tool", "ai"]
    assert _settled(collector) == (0, 1, 0, 0)


def test_custom_feedback_renderer_and_accept_with_history(judge):
    model = ScriptedChatModel(draft="go away")
    agent = _agent(
        model,
        judge=judge,
        max_attempts=2,
        on_exhausted="accept",
        keep_history=True,
        feedback_renderer=lambda output, verdicts, n: f"Attempt {n} was rude. Be polite.",
    )
    out = agent.invoke(START)
    assert [m.type for m in out["messages"]] == ["human", "ai", "human", "ai"]
    assert out["messages"][2].content == "Attempt 1 was rude. Be polite."
    assert model.calls[1][-1].content == "Attempt 1 was rude. Be polite."

import pytest
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.types import Command

from langchain_semantix import SemanticIntentError, TrainingCollector, create_retry_subgraph
from langchain_semantix.feedback import FEEDBACK_TITLE
from langchain_semantix.testing import ScriptedChatModel
from tests.conftest import MentionsDate, Polite

START_MSG = {"messages": [("human", "Decline the gala")]}


def test_fail_then_pass(judge, healing_model):
    graph = create_retry_subgraph(healing_model, Polite, judge=judge)
    out = graph.invoke(START_MSG)
    assert out["attempts"] == 2 and out["passed"] and "can't attend" in out["output"]
    second = healing_model.calls[1]
    assert FEEDBACK_TITLE in second[-1].content and Polite.description() in second[-1].content
    assert "0.0500" in second[-1].content
    assert [m.type for m in out["messages"]] == ["human", "ai"]  # corrections removed on success
    assert len(out["history"]) == 2 and out["verdicts"][0]["passed"]


def test_pass_first(judge):
    out = create_retry_subgraph(ScriptedChatModel(draft="Thank you, no."), Polite, judge=judge).invoke(START_MSG)
    assert out["attempts"] == 1 and out["passed"]


def test_keep_history(judge, healing_model):
    out = create_retry_subgraph(healing_model, Polite, judge=judge, keep_history=True).invoke(START_MSG)
    assert [m.type for m in out["messages"]] == ["human", "ai", "human", "ai"]


@pytest.mark.parametrize("mode", ["best", "fallback"])
def test_exhausted_modes(judge, mode):
    out = create_retry_subgraph(
        ScriptedChatModel(draft="go away"), Polite, judge=judge, on_exhausted=mode, fallback_message="Sorry."
    ).invoke(START_MSG)
    assert not out["passed"] and out["attempts"] == 3
    assert out["messages"][-1].content == ("go away" if mode == "best" else "Sorry.")
    assert len(out["messages"]) == 2


def test_exhausted_raise_lists_attempts(judge):
    with pytest.raises(SemanticIntentError) as info:
        create_retry_subgraph(ScriptedChatModel(draft="go away"), Polite, judge=judge, max_attempts=2).invoke(START_MSG)
    assert [a["attempt"] for a in info.value.attempts] == [1, 2]


def test_interrupt_and_resume(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    graph = create_retry_subgraph(
        ScriptedChatModel(draft="go away"), Polite, judge=judge, on_exhausted="interrupt", checkpointer=InMemorySaver()
    )
    config = {"configurable": {"thread_id": "t"}, "callbacks": [collector]}
    paused = graph.invoke(START_MSG, config)
    assert paused["__interrupt__"][0].value["best"] == "go away"
    done = graph.invoke(Command(resume={"action": "edit", "content": "Kindly, no."}), config)
    assert done["messages"][-1].content == "Kindly, no." and done["reviewed"] and done["passed"]
    (record,) = list(collector.records())
    assert record["accepted_output"] == "Kindly, no." and record["metadata"]["source"] == "human_review"


def test_nested_in_parent_graph_with_collector(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    sub = create_retry_subgraph(healing_model, Polite, judge=judge)
    parent = StateGraph(MessagesState)
    parent.add_node("answer", sub)
    parent.add_edge(START, "answer")
    out = parent.compile().invoke(START_MSG, config={"callbacks": [collector]})
    assert out["messages"][-1].content.startswith("Thank you")
    (record,) = list(collector.records())
    assert record["prompt_messages"][0]["content"] == "Decline the gala"


def test_custom_stream_events(judge, healing_model):
    graph = create_retry_subgraph(healing_model, Polite, judge=judge)
    events = [c for mode, c in graph.stream(START_MSG, stream_mode=["custom", "values"]) if mode == "custom"]
    assert [(e["attempt"], e["passed"]) for e in events] == [(1, False), (2, True)]
    assert {"intent", "score", "threshold", "latency_ms"} <= set(events[0])


async def test_async_and_two_intents(judge):
    model = ScriptedChatModel(draft="go away", revision="Thank you, no — maybe Monday.")
    graph = create_retry_subgraph(model, [Polite, MentionsDate], judge=judge)
    out = await graph.ainvoke(START_MSG)
    assert out["passed"] and len(out["verdicts"]) == 2


def test_bad_configuration_and_models(judge):
    with pytest.raises(ValueError, match="max_attempts"):
        create_retry_subgraph(ScriptedChatModel(draft="x"), Polite, judge=judge, max_attempts=0)
    with pytest.raises(TypeError, match="Intent subclass"):
        create_retry_subgraph(ScriptedChatModel(draft="x"), object, judge=judge)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fallback_message must be the text"):  # not after every attempt ran
        create_retry_subgraph(ScriptedChatModel(draft="x"), Polite, judge=judge, on_exhausted="fallback", fallback_message=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="keep_history must be True or False"):
        create_retry_subgraph(ScriptedChatModel(draft="x"), Polite, judge=judge, keep_history="no")  # type: ignore[arg-type]

    class Broken(ScriptedChatModel):
        def _generate(self, *a, **k):
            raise RuntimeError("provider down")

    with pytest.raises(RuntimeError, match="provider down"):
        create_retry_subgraph(Broken(draft="x"), Polite, judge=judge).invoke(START_MSG)

    class ImageOnly(ScriptedChatModel):
        def invoke(self, *a, **k):
            return AIMessage(content=[{"type": "image", "url": "http://x"}])

    with pytest.raises(TypeError, match="no text content"):
        create_retry_subgraph(ImageOnly(draft="x"), Polite, judge=judge, retry_policy=None).invoke(START_MSG)


def test_feedback_renderer_and_marked_feedback_turn(judge):
    from langchain_semantix.feedback import is_feedback_message

    model = ScriptedChatModel(draft="go away")
    graph = create_retry_subgraph(
        model,
        Polite,
        judge=judge,
        max_attempts=2,
        on_exhausted="fallback",
        feedback_renderer=lambda output, verdicts, n: f"#{n}: {verdicts[0].requirement}",
    )
    graph.invoke(START_MSG)
    note = model.calls[1][-1]
    assert note.content == f"#1: {Polite.description()}" and is_feedback_message(note)


def test_each_invocation_on_a_thread_is_a_fresh_run(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    graph = create_retry_subgraph(healing_model, Polite, judge=judge, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "same"}, "callbacks": [collector]}
    first = graph.invoke(START_MSG, config)
    second = graph.invoke({"messages": [("human", "Decline the picnic")]}, config)
    assert (first["attempts"], second["attempts"]) == (2, 2)
    assert [h["attempt"] for h in second["history"]] == [1, 2]
    assert [m.type for m in second["messages"]] == ["human", "ai", "human", "ai"]  # two turns, no corrections
    records = list(collector.records())
    assert len(records) == 2 and records[0]["metadata"]["session_id"] != records[1]["metadata"]["session_id"]
    assert records[1]["prompt_messages"][-3]["content"] == "Decline the picnic"


def test_each_attempt_is_one_graph_step(judge, healing_model):
    graph = create_retry_subgraph(healing_model, Polite, judge=judge)
    steps = list(graph.stream(START_MSG, stream_mode="updates"))
    assert [list(step) for step in steps] == [["generate"], ["generate"]]
    first, second = (step["generate"] for step in steps)
    assert [m.type for m in first["messages"]] == ["ai", "human"]  # the draft and its feedback turn
    assert (first["attempts"], first["passed"], second["attempts"], second["passed"]) == (1, False, 2, True)
    assert second["output"] == second["messages"][-1].content


@pytest.mark.parametrize("mode", ["raise", "best", "interrupt"])
async def test_async_exhausted_reports_with_afinish(monkeypatch, judge, mode):
    from langchain_semantix.attempts import AttemptPolicy

    calls: list[str] = []
    sync_finish, async_finish = AttemptPolicy.finish, AttemptPolicy.afinish

    def finish(self, *args, **kwargs):
        calls.append("finish")
        return sync_finish(self, *args, **kwargs)

    async def afinish(self, *args, **kwargs):
        calls.append("afinish")
        return await async_finish(self, *args, **kwargs)

    monkeypatch.setattr(AttemptPolicy, "finish", finish)
    monkeypatch.setattr(AttemptPolicy, "afinish", afinish)
    graph = create_retry_subgraph(
        ScriptedChatModel(draft="go away"), Polite, judge=judge, max_attempts=2, on_exhausted=mode, checkpointer=InMemorySaver()
    )
    config = {"configurable": {"thread_id": "t"}}
    if mode == "raise":
        with pytest.raises(SemanticIntentError):
            await graph.ainvoke(START_MSG, config)
    else:
        out = await graph.ainvoke(START_MSG, config)
        if mode == "interrupt":
            out = await graph.ainvoke(Command(resume={"type": "approve"}), config)
        assert out["messages"][-1].content == "go away"
    assert calls == ["afinish"]

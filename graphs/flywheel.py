"""The flywheel graph: run a list of inputs through the retry subgraph, collect the
correction pairs, export them and calibrate thresholds (offline by default)."""

from __future__ import annotations

import operator
import os
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph

from langchain_semantix import TrainingCollector, create_retry_subgraph
from langchain_semantix.nodes import create_calibrate_node, create_export_node
from langchain_semantix.testing import KeywordJudge, ScriptedChatModel

OUT = os.environ.get("SEMANTIX_FLYWHEEL_DIR", "demo_output/flywheel")
os.makedirs(OUT, exist_ok=True)


class FlywheelState(TypedDict, total=False):
    inputs: list[str]
    results: Annotated[list[dict[str, Any]], operator.add]
    exports: Annotated[list[dict[str, Any]], operator.add]
    thresholds: dict[str, float]


from graphs.self_healing_agent import PoliteDecline  # noqa: E402

collector = TrainingCollector(os.path.join(OUT, "corrections.jsonl"))
retry = create_retry_subgraph(
    ScriptedChatModel(draft=lambda q: f"No. {q}? Go away.", revision=lambda q: f"Thank you for the invitation to {q}, but I can't attend."),
    PoliteDecline, judge=KeywordJudge(fail_words=["go away"]), on_exhausted="best",
)


def run_inputs(state: FlywheelState) -> dict[str, Any]:
    results = []
    for text in state.get("inputs", []):
        out = retry.invoke({"messages": [("human", text)]}, config={"callbacks": [collector]})
        results.append({"input": text, "attempts": out["attempts"], "passed": out["passed"], "output": out["output"]})
    return {"results": results}


builder = StateGraph(FlywheelState)
builder.add_node("run_inputs", run_inputs)
builder.add_node("export", create_export_node(collector, os.path.join(OUT, "openai_sft.jsonl"), "openai"))
builder.add_node("calibrate", create_calibrate_node(collector, os.path.join(OUT, "thresholds.json")))
builder.add_edge(START, "run_inputs")
builder.add_edge("run_inputs", "export")
builder.add_edge("export", "calibrate")
builder.add_edge("calibrate", END)
graph = builder.compile(name="flywheel")

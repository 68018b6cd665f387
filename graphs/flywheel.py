"""The flywheel graph: run requests through the retry subgraph, collect the correction
pairs, export them and calibrate thresholds (offline by default; see :mod:`graphs.models`).

Input: ``{"inputs": ["the gala", "the fair"], "formats": ["openai", "trl-dpo"]}``
(``formats`` optional). Output: ``results`` (one per request), ``exports``,
``thresholds`` and ``output_dir``.

Each thread writes into its own folder, ``$SEMANTIX_FLYWHEEL_DIR/<thread id>`` (default
base: ``<system temp>/langchain-semantix-flywheel``); a run without a thread gets a fresh
folder. Runs of one thread add to its collection, so its exports and thresholds cover
every request the thread has seen. Nothing is written at import time.
"""

from __future__ import annotations

import operator
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import merge_configs
from langgraph.graph import END, START, StateGraph
from typing_extensions import NotRequired, TypedDict

from graphs import models
from graphs.intents import PoliteDecline
from langchain_semantix import TrainingCollector, create_retry_subgraph
from langchain_semantix.training.exporters import EXPORTERS
from langchain_semantix.training.nodes import create_calibrate_node, create_export_node

__all__ = ["graph", "FlywheelInput", "FlywheelOutput", "FlywheelState", "OUTPUT_DIR_ENV_VAR"]

OUTPUT_DIR_ENV_VAR = "SEMANTIX_FLYWHEEL_DIR"
DEFAULT_FORMATS = ("openai", "openai-preference")
CORRECTIONS_FILE = "corrections.jsonl"


class FlywheelInput(TypedDict):
    """What a run takes: the requests, and optionally the export formats."""

    inputs: list[str]
    formats: NotRequired[list[str]]


class FlywheelOutput(TypedDict, total=False):
    """What a run returns."""

    results: list[dict[str, Any]]
    exports: list[dict[str, Any]]
    thresholds: dict[str, float]
    output_dir: str


class FlywheelState(FlywheelInput, FlywheelOutput, total=False):
    """Input and output keys together; ``results`` accumulate over a thread's runs."""

    results: Annotated[list[dict[str, Any]], operator.add]


# checkpointer=False: the subgraph is called once per request inside one node, so each
# call must not share the parent's checkpoint namespace.
_retry = create_retry_subgraph(
    models.chat_model(
        draft=lambda q: f"No. {q}? Go away.",
        revision=lambda q: f"Thank you for the invitation to {q}, but I can't attend.",
    ),
    PoliteDecline,
    judge=models.judge(fail_words=["go away"]),
    on_exhausted="best",
    checkpointer=False,
)


def _output_dir(state: FlywheelState, config: RunnableConfig) -> Path:
    if state.get("output_dir"):
        return Path(state["output_dir"])
    base = os.environ.get(OUTPUT_DIR_ENV_VAR) or os.path.join(tempfile.gettempdir(), "langchain-semantix-flywheel")
    thread = str(config.get("configurable", {}).get("thread_id") or f"run-{uuid.uuid4().hex}")
    return Path(base) / re.sub(r"[^A-Za-z0-9_.-]", "_", thread)


def _collector(state: FlywheelState) -> TrainingCollector:
    return TrainingCollector(Path(state["output_dir"]) / CORRECTIONS_FILE)


def prepare(state: FlywheelState, config: RunnableConfig) -> dict[str, Any]:
    """Check the input and choose this thread's folder."""
    inputs = state.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(text, str) and text.strip() for text in inputs):
        raise ValueError(f"'inputs' must be a list of non-empty strings, e.g. ['the gala'], got {inputs!r}")
    unknown = [f for f in state.get("formats", DEFAULT_FORMATS) if f not in EXPORTERS]
    if unknown:
        raise ValueError(f"unknown export format(s) {unknown}; choose from {', '.join(EXPORTERS)}")
    output_dir = _output_dir(state, config)
    output_dir.mkdir(parents=True, exist_ok=True)
    return {"output_dir": str(output_dir)}


def run_inputs(state: FlywheelState, config: RunnableConfig) -> dict[str, Any]:
    """Each request through the retry subgraph; the collector records healed answers."""
    # The run's own callbacks stay (tracing, streamed attempt events); the collector joins them.
    with_collector = merge_configs(config, {"callbacks": [_collector(state)]})
    results = []
    for text in state["inputs"]:
        out = _retry.invoke({"messages": [("human", text)]}, with_collector)
        results.append({"input": text, "attempts": out["attempts"], "passed": out["passed"], "output": out["output"]})
    return {"results": results}


def export(state: FlywheelState) -> dict[str, Any]:
    """Every requested format from the thread's collection."""
    collector, folder = _collector(state), Path(state["output_dir"])
    exports: list[dict[str, Any]] = []
    for fmt in state.get("formats", DEFAULT_FORMATS):
        suffix = ".json" if fmt == "nemo-trajectories" else ".jsonl"
        node = create_export_node(collector, folder / f"{fmt.replace('-', '_')}{suffix}", fmt)
        exports.extend(node(state)["exports"])
    return {"exports": exports}


def calibrate(state: FlywheelState) -> dict[str, Any]:
    """Thresholds from the thread's recorded scores (also written to ``thresholds.json``)."""
    return create_calibrate_node(_collector(state), Path(state["output_dir"]) / "thresholds.json")(state)


builder = StateGraph(FlywheelState, input_schema=FlywheelInput, output_schema=FlywheelOutput)
builder.add_node("prepare", prepare)
builder.add_node("run_inputs", run_inputs)
builder.add_node("export", export)
builder.add_node("calibrate", calibrate)
builder.add_edge(START, "prepare")
builder.add_edge("prepare", "run_inputs")
builder.add_edge("run_inputs", "export")
builder.add_edge("export", "calibrate")
builder.add_edge("calibrate", END)
graph = builder.compile(name="flywheel")

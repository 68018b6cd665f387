"""The graphs in langgraph.json, in-process: schemas, no import-time side effects, separate threads."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def flywheel_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEMANTIX_FLYWHEEL_DIR", str(tmp_path / "flywheel"))
    monkeypatch.delenv("SEMANTIX_MODEL", raising=False)
    return tmp_path / "flywheel"


def test_langgraph_json_lists_both_graphs() -> None:
    config = json.loads((ROOT / "langgraph.json").read_text())
    assert set(config["graphs"]) == {"self_healing_agent", "flywheel"}
    for spec in config["graphs"].values():
        path, _, attribute = spec.partition(":")
        assert (ROOT / path).is_file() and attribute == "graph"


def test_self_healing_agent_heals() -> None:
    agent = importlib.import_module("graphs.self_healing_agent").graph
    out = agent.invoke({"messages": [("human", "Decline the gala")]})
    assert out["messages"][-1].content.startswith("Thank you")
    assert [m.type for m in out["messages"]] == ["human", "ai"]


def test_flywheel_schemas_build_as_the_server_builds_them(flywheel_dir: Path) -> None:
    flywheel = importlib.import_module("graphs.flywheel").graph
    inputs = flywheel.get_input_jsonschema()
    outputs = flywheel.get_output_jsonschema()
    assert inputs["required"] == ["inputs"] and set(inputs["properties"]) == {"inputs", "formats"}
    assert set(outputs["properties"]) == {"results", "exports", "thresholds", "output_dir"}


def test_flywheel_runs_exports_and_calibrates_in_its_own_folder(flywheel_dir: Path) -> None:
    flywheel = importlib.import_module("graphs.flywheel").graph
    state = flywheel.invoke({"inputs": ["the gala", "the fair"], "formats": ["openai", "nemo-trajectories"]})
    assert [r["attempts"] for r in state["results"]] == [2, 2]
    assert all(r["passed"] and r["output"].startswith("Thank you") for r in state["results"])
    assert [(e["format"], e["written"]) for e in state["exports"]] == [("openai", 2), ("nemo-trajectories", 2)]
    assert "PoliteDecline" in state["thresholds"]
    folder = Path(state["output_dir"])
    assert folder.parent == flywheel_dir
    assert {p.name for p in folder.iterdir()} >= {"corrections.jsonl", "openai.jsonl", "nemo_trajectories.json", "thresholds.json"}


def test_flywheel_threads_keep_their_outputs_apart(flywheel_dir: Path) -> None:
    flywheel = importlib.import_module("graphs.flywheel").builder.compile(checkpointer=InMemorySaver())
    gala = {"configurable": {"thread_id": "gala"}}
    fair = {"configurable": {"thread_id": "fair/../x"}}  # odd characters stay inside the base folder
    events = [event for _, event in flywheel.stream({"inputs": ["the gala"]}, gala, stream_mode="custom", subgraphs=True)]
    assert [(e["attempt"], e["passed"]) for e in events] == [(1, False), (2, True)]
    first = flywheel.get_state(gala).values
    other = flywheel.invoke({"inputs": ["the fair"]}, fair)
    again = flywheel.invoke({"inputs": ["the ball"]}, gala)
    assert first["output_dir"] == again["output_dir"] != other["output_dir"]
    assert {Path(s["output_dir"]).parent for s in (first, other)} == {flywheel_dir}
    assert [r["input"] for r in again["results"]] == ["the gala", "the ball"]
    assert again["exports"][0]["written"] == 2 and other["exports"][0]["written"] == 1


def test_flywheel_rejects_bad_input_with_the_fix(flywheel_dir: Path) -> None:
    flywheel = importlib.import_module("graphs.flywheel").graph
    with pytest.raises(ValueError, match="'inputs' must be a list of non-empty strings"):
        flywheel.invoke({"inputs": "the gala"})
    with pytest.raises(ValueError, match="unknown export format.*choose from"):
        flywheel.invoke({"inputs": ["the gala"], "formats": ["csv"]})
    assert not flywheel_dir.exists()


def test_importing_the_graphs_has_no_side_effects(tmp_path: Path) -> None:
    """No folder or file is written and no model is created at import, even with a
    provider configured (one that does not exist: it must not be touched)."""
    out = tmp_path / "out"
    script = textwrap.dedent(
        """
        import os, sys
        import graphs.flywheel, graphs.self_healing_agent
        heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
        print(heavy, sorted(os.listdir(".")))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SEMANTIX_FLYWHEEL_DIR": str(out), "SEMANTIX_MODEL": "no-such-provider:model"}
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[] []"
    assert not out.exists()

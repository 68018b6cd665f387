import importlib
import json
from pathlib import Path


def test_langgraph_json_graphs_import_and_run(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMANTIX_FLYWHEEL_DIR", str(tmp_path))
    config = json.loads(Path("langgraph.json").read_text())
    assert set(config["graphs"]) == {"self_healing_agent", "flywheel"}
    agent = importlib.import_module("graphs.self_healing_agent").graph
    out = agent.invoke({"messages": [("human", "Decline the gala")]})
    assert out["messages"][-1].content.startswith("Thank you")
    flywheel = importlib.reload(importlib.import_module("graphs.flywheel")).graph
    state = flywheel.invoke({"inputs": ["the gala", "the fair"]})
    assert [r["attempts"] for r in state["results"]] == [2, 2]
    assert state["exports"][0]["written"] == 2 and "PoliteDecline" in state["thresholds"]

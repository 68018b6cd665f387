"""The graphs served by LangGraph's own dev server (``langgraph dev``, in-memory), driven
through ``langgraph_sdk`` over HTTP on localhost. Offline: scripted models, keyword judge,
no tracing, no analytics."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120
REQUEST_SECONDS = 60
ANSI = re.compile(r"\x1b\[[0-9;]*m")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.version_info < (3, 11), reason="langgraph-cli[inmem] installs the in-memory server only on Python >= 3.11"),
]


@dataclass
class Server:
    client: SyncLangGraphClient
    flywheel_dir: Path
    log: Path

    def log_text(self) -> str:
        return ANSI.sub("", self.log.read_text(errors="replace"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_config(folder: Path) -> Path:
    """The repository's langgraph.json with absolute paths, so the server's own files
    (``.langgraph_api``) land in ``folder``, not in the working tree."""
    config = json.loads((ROOT / "langgraph.json").read_text())
    config["dependencies"] = [str(ROOT)]
    config["graphs"] = {name: str(ROOT / spec.lstrip("./")) for name, spec in config["graphs"].items()}
    path = folder / "langgraph.json"
    path.write_text(json.dumps(config))
    return path


def _offline_env(flywheel_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANGSMITH_", "LANGCHAIN_", "OPENAI_", "SEMANTIX_MODEL"))}
    env.update(
        HF_HUB_OFFLINE="1",
        LANGSMITH_TRACING="false",
        LANGCHAIN_TRACING_V2="false",
        LANGGRAPH_CLI_NO_ANALYTICS="1",
        SEMANTIX_FLYWHEEL_DIR=str(flywheel_dir),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )
    return env


def _wait_ok(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"langgraph dev exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"langgraph dev did not answer /ok within {STARTUP_SECONDS}s:\n{log.read_text(errors='replace')[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("langgraph_server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    command = [
        sys.executable,
        "-m",
        "langgraph_cli",
        "dev",
        "--config",
        str(_server_config(folder)),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-browser",
        "--no-reload",
        "--n-jobs-per-worker",
        "2",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=_offline_env(folder / "flywheel"),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_ok(url, process, log)
        yield Server(get_sync_client(url=url, timeout=REQUEST_SECONDS), folder / "flywheel", log)
    finally:
        _stop(process)


def test_server_builds_both_graphs_schemas(server: Server) -> None:
    schemas = {}
    for graph_id in ("self_healing_agent", "flywheel"):
        (assistant,) = server.client.assistants.search(graph_id=graph_id)
        schemas[graph_id] = server.client.assistants.get_schemas(assistant["assistant_id"])
    assert schemas["flywheel"]["input_schema"]["required"] == ["inputs"]
    assert "thresholds" in schemas["flywheel"]["output_schema"]["properties"]
    assert "messages" in schemas["self_healing_agent"]["input_schema"]["properties"]
    errors = [line for line in server.log_text().splitlines() if "[error" in line or "Traceback" in line]
    assert errors == []


def test_self_healing_agent_stateless_and_threaded(server: Server) -> None:
    request = {"messages": [{"role": "human", "content": "Decline the gala"}]}
    stateless = server.client.runs.wait(None, "self_healing_agent", input=request)
    assert [m["type"] for m in stateless["messages"]] == ["human", "ai"]
    assert stateless["messages"][-1]["content"].startswith("Thank you")

    thread = server.client.threads.create()
    server.client.runs.wait(thread["thread_id"], "self_healing_agent", input=request)
    server.client.runs.wait(thread["thread_id"], "self_healing_agent", input={"messages": [{"role": "human", "content": "And the fair?"}]})
    state = server.client.threads.get_state(thread["thread_id"])
    messages = state["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "human", "ai"]
    assert all(m["content"].startswith("Thank you") for m in messages if m["type"] == "ai")


def test_flywheel_stateless_run_streams_attempt_events(server: Server) -> None:
    request = {"inputs": ["the gala", "the fair"], "formats": ["openai", "trl-dpo"]}
    parts = list(server.client.runs.stream(None, "flywheel", input=request, stream_mode=["custom", "values"], stream_subgraphs=True))
    attempts = [(p.data["attempt"], p.data["passed"]) for p in parts if p.event.startswith("custom")]
    assert attempts == [(1, False), (2, True)] * 2
    out = [p.data for p in parts if p.event == "values"][-1]
    assert [r["attempts"] for r in out["results"]] == [2, 2]
    assert [(e["format"], e["written"]) for e in out["exports"]] == [("openai", 2), ("trl-dpo", 2)]
    assert "PoliteDecline" in out["thresholds"]
    assert Path(out["output_dir"]).parent == server.flywheel_dir


def test_flywheel_stateless_wait(server: Server) -> None:
    out = server.client.runs.wait(None, "flywheel", input={"inputs": ["the picnic"]})
    assert [(r["input"], r["attempts"], r["passed"]) for r in out["results"]] == [("the picnic", 2, True)]
    assert [e["written"] for e in out["exports"]] == [1, 1]


def test_flywheel_concurrent_threads_keep_outputs_apart(server: Server) -> None:
    requests = {"a": ["the gala", "the ball"], "b": ["the fair"]}
    threads = {key: server.client.threads.create()["thread_id"] for key in requests}
    runs = {key: server.client.runs.create(threads[key], "flywheel", input={"inputs": inputs}) for key, inputs in requests.items()}
    outputs = {key: server.client.runs.join(threads[key], run["run_id"]) for key, run in runs.items()}
    assert outputs["a"]["output_dir"] != outputs["b"]["output_dir"]
    for key, inputs in requests.items():
        sft = Path(outputs[key]["output_dir"]) / "openai.jsonl"
        users = [json.loads(line)["messages"][-2]["content"] for line in sft.read_text().splitlines()]
        assert users == inputs
        assert [r["input"] for r in outputs[key]["results"]] == inputs

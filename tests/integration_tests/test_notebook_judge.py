"""Notebook 04 (make your judge learn) is committed without outputs and runs end to end offline."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "04_make_your_judge_learn.ipynb"


def test_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert [c.outputs for c in nb.cells if c.cell_type == "code" and c.outputs] == []


@pytest.mark.slow
def test_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.kernel_manager_class = "jupyter_client.manager.KernelManager"
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME

    assert NATIVE_KERNEL_NAME == "python3" and sys.executable
    client.execute()
    outputs = {
        i: "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in c.outputs)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
    }
    text = "\n".join(outputs.values())
    assert "but I can't come.\", True, 'human_review')" in text and "('No.', False, 'human_review')" in text
    assert "judge:keyword:keywords" in text and "| PoliteDecline |" in text
    assert "CascadeStats(checks=3" in text
    last_result = [text for i, text in sorted(outputs.items()) if text][-1]
    assert last_result.endswith("True)")

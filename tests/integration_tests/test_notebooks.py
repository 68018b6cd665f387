"""The walkthrough notebooks: committed without outputs, in step with their generator, and
executed end to end (offline) on a kernel that runs this interpreter."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL_NAME = "semantix-test-python"
CELL_TIMEOUT_SECONDS = 180


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebooks_generate", ROOT / "notebooks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_three_walkthroughs_exist() -> None:
    names = {path.name for path in NOTEBOOKS}
    assert {"01_intent_parser_lcel.ipynb", "02_retry_subgraph.ipynb", "03_flywheel.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs; clear them (jupyter nbconvert --clear-output --inplace {path.name})"
    assert "widgets" not in nb.metadata


def test_generated_notebooks_match_the_committed_files(tmp_path: Path) -> None:
    generator = _generator()
    generator.main(tmp_path)
    for name in generator.NOTEBOOKS:
        committed = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        generated = nbformat.read(tmp_path / name, as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in generated.cells], (
            f"notebooks/{name} is out of date: run python notebooks/generate.py"
        )


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory: pytest.TempPathFactory) -> KernelSpecManager:
    """A kernelspec for ``sys.executable`` in a temp folder, so the notebooks run on this
    interpreter (CI's fresh .venv) whatever kernels the machine has installed."""
    kernels = tmp_path_factory.mktemp("kernels")
    spec_dir = kernels / KERNEL_NAME
    spec_dir.mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "langchain-semantix tests",
        "language": "python",
        "env": {
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            "HF_HUB_OFFLINE": "1",
            "MPLBACKEND": "Agg",
            "TQDM_DISABLE": "1",
        },
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return KernelSpecManager(kernel_dirs=[str(kernels)])


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_offline_and_writes_only_to_temp(
    path: Path, kernel_specs: KernelSpecManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd, temp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))  # the kernel's tempfile folder
    notebooks_before = sorted(p.name for p in (ROOT / "notebooks").iterdir())
    nb = nbformat.read(path, as_version=4)
    manager = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=kernel_specs)
    client = NotebookClient(
        nb, km=manager, timeout=CELL_TIMEOUT_SECONDS, kernel_name=KERNEL_NAME, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    errors = [out for cell in nb.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert errors == []
    assert all(cell.execution_count for cell in nb.cells if cell.cell_type == "code")
    assert list(cwd.iterdir()) == [], f"{path.name} wrote into its working directory"
    leftovers = [p.name for p in temp.iterdir() if p.name.startswith("semantix-")]  # (torch caches may stay)
    assert leftovers == [], f"{path.name} did not clean up its temp folder"
    assert sorted(p.name for p in (ROOT / "notebooks").iterdir()) == notebooks_before

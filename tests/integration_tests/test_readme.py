"""Every README command block runs as written after ``make demo``, so none can rot.

The blocks run in a temporary folder holding what ``make demo`` leaves behind (``demo_output/``
from a real demo run, and a ``.venv/bin/activate`` that puts ``langchain-semantix`` on PATH),
Python blocks in order in one namespace, bash blocks with ``bash -e -o pipefail``. A block is
skipped only when an ``<!-- not-tested: why -->`` comment sits right above it.
"""

from __future__ import annotations

import io
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"(?:<!--\s*not-tested:(?P<why>[^>]*)-->\s*\n)?```(?P<lang>[^\n]*)\n(?P<code>.*?)```", re.S)


def readme_blocks() -> list[tuple[str, str, str | None]]:
    """``(language, code, reason it is not tested or None)`` for every fenced block."""
    text = (ROOT / "README.md").read_text()
    return [(m["lang"].strip(), m["code"], m["why"].strip() if m["why"] else None) for m in FENCE.finditer(text)]


def _blocks(lang: str) -> list[str]:
    return [code for block_lang, code, why in readme_blocks() if block_lang == lang and why is None]


@pytest.fixture(scope="module")
def after_make_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder as ``make demo`` leaves the repository: demo output and an activatable venv."""
    from langchain_semantix.demo import run_demo

    workdir = tmp_path_factory.mktemp("readme")
    run_demo(workdir / "demo_output", out=io.StringIO())
    bin_dir = workdir / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    cli = bin_dir / "langchain-semantix"
    cli.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m langchain_semantix "$@"\n')
    cli.chmod(cli.stat().st_mode | stat.S_IEXEC)
    (bin_dir / "activate").write_text(f'export PATH="{bin_dir}:$PATH"\n')
    return workdir


def test_every_block_is_run_or_says_why_not():
    blocks = readme_blocks()
    assert len(_blocks("python")) >= 4 and len(_blocks("bash")) >= 1
    for lang, code, why in blocks:
        assert why is None or why, "a not-tested marker must say why"
        assert lang in {"python", "bash"} or why, f"untested ```{lang} block: {code[:60]!r}"


def test_readme_python_blocks_run(after_make_demo, monkeypatch):
    monkeypatch.chdir(after_make_demo)
    namespace: dict = {"__name__": "__readme__"}
    for block in _blocks("python"):
        exec(compile(block, "README.md", "exec"), namespace)


@pytest.mark.parametrize("index", range(len(_blocks("bash"))))
def test_readme_bash_blocks_run(after_make_demo, index):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", _blocks("bash")[index]],
        cwd=after_make_demo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr

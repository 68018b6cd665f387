"""The README's Python snippets run, so they cannot rot."""

import re
from pathlib import Path


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    text = Path("README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 3
    Path("demo_output/readme").mkdir(parents=True, exist_ok=True)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)

"""Cold start: ``import langchain_semantix`` and ``langchain-semantix --help`` in fresh processes.

Measured interleaved against ``import langchain_core.runnables`` (the floor any LangChain
package pays) and semantix-ai's ``import semantix``. Targets (issue 13): ``--help``
<= 0.5 s; the import <= 1.1x the import of ``langchain_core.runnables`` alone.

    python bench/bench_cold_start.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import ROOT, interleaved, peer_available, ratio, table, verdict  # noqa: E402


def fresh(*argv: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    args = parser.parse_args()
    cases = {
        "python -c pass": lambda: fresh("-c", "pass"),
        "import langchain_core.runnables": lambda: fresh("-c", "import langchain_core.runnables"),
        "import langchain_semantix": lambda: fresh("-c", "import langchain_semantix"),
        "langchain-semantix --help": lambda: fresh("-m", "langchain_semantix", "--help"),
    }
    if peer_available():
        cases["import semantix (semantix-ai)"] = lambda: fresh("-c", "import semantix")
    results = interleaved(cases, rounds=args.rounds)
    table(
        "Cold start (fresh interpreter, wall seconds)",
        ["command", "seconds", "spread"],
        [[s.name, s.median, f"±{s.spread:.0%}"] for s in results.values()],
    )
    vs_core, spread = ratio(results["import langchain_semantix"], results["import langchain_core.runnables"])
    help_s = results["langchain-semantix --help"].median
    print(
        f"\n- import vs langchain_core.runnables: {vs_core:.2f}x (±{spread:.0%}) — target <= 1.1x: {verdict(vs_core <= 1.1)}"
        f"\n- --help: {help_s:.2f} s — target <= 0.5 s: {verdict(help_s <= 0.5)}"
    )


if __name__ == "__main__":
    main()

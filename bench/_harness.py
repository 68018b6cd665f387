"""Shared measurement helpers for the bench scripts.

Every comparison is measured *interleaved*: each round runs every case once, in a
rotating order, so drift in the machine (thermal, other processes) hits all cases alike.
Ratios are computed per round and summarised by their median, with the spread across
rounds, so one noisy round cannot decide a figure.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Series:
    """Seconds per unit of work, one value per round."""

    name: str
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> float:
        """Half the range between the best and worst round, relative to the median."""
        if len(self.values) < 2:
            return 0.0
        return (max(self.values) - min(self.values)) / 2 / self.median


def interleaved(cases: Mapping[str, Callable[[], float]], *, rounds: int = 5, warmup: int = 1) -> dict[str, Series]:
    """Run each case once per round in rotating order; each case returns seconds per unit."""
    names = list(cases)
    for _ in range(warmup):
        for name in names:
            cases[name]()
    out = {name: Series(name) for name in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            out[name].values.append(cases[name]())
    return out


def ratio(numerator: Series, denominator: Series) -> tuple[float, float]:
    """Median and spread of the per-round ratio numerator/denominator."""
    ratios = [a / b for a, b in zip(numerator.values, denominator.values)]
    med = statistics.median(ratios)
    spread = (max(ratios) - min(ratios)) / 2 / med if len(ratios) > 1 else 0.0
    return med, spread


def timed(fn: Callable[[], object], units: int = 1) -> float:
    """Seconds per unit for one call of ``fn`` that does ``units`` units of work."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) / units


def run_python(code: str, *, env: Mapping[str, str] | None = None, timeout: float = 600) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it must print one JSON object on its last line.

    The child's peak RSS (MiB) is added as ``peak_rss_mib``. It is read from ``VmHWM`` in
    ``/proc/self/status``: ``getrusage``'s ``ru_maxrss`` survives ``fork`` + ``exec`` on Linux,
    so a child would report at least the parent's peak.
    """
    wrapper = (
        "import json, sys\n"
        + code
        + "\n_rss = next(int(line.split()[1]) for line in open('/proc/self/status')"
        + " if line.startswith('VmHWM:')) / 1024\n"
        + "print(json.dumps({**RESULT, 'peak_rss_mib': _rss}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a Markdown table (the bench output is pasted into issues and the README)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(_fmt(c) for c in row) + " |")


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value == 0 or abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def peer_available() -> bool:
    """semantix-ai 0.3.3, the peer every figure is compared with (``make bench`` installs it)."""
    try:
        import semantix  # noqa: F401
    except ImportError:
        print("semantix-ai is not installed: pip install semantix-ai==0.3.3 (make bench does this)")
        return False
    return True

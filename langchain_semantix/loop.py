"""Deprecated: the attempt loop lives in :mod:`langchain_semantix.attempts`.

The pre-0.1 names ``run_loop`` / ``arun_loop`` took a ready-made session plus the judge,
thresholds and ``max_attempts``; their replacements take an
:class:`~langchain_semantix.attempts.AttemptPolicy` that holds those and opens the session
itself, so no faithful adapter exists: the old names raise an ``AttributeError`` that says
what to call instead.
"""

from __future__ import annotations

import warnings
from typing import Any

from langchain_semantix.attempts import arun_attempts, check_max_attempts, run_attempts

__all__ = ["run_attempts", "arun_attempts", "check_max_attempts"]

_REPLACED = {"run_loop": "run_attempts", "arun_loop": "arun_attempts"}

warnings.warn(
    "langchain_semantix.loop is deprecated; import from langchain_semantix.attempts",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    if name in _REPLACED:
        new = _REPLACED[name]
        raise AttributeError(
            f"langchain_semantix.loop.{name} was removed; use langchain_semantix.attempts.{new}"
            f"(AttemptPolicy(intents, judge=..., thresholds=..., max_attempts=...), generate, config, sink), "
            "which opens the session itself and returns (text, session)"
        )
    raise AttributeError(f"module 'langchain_semantix.loop' has no attribute {name!r}")

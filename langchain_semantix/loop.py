"""Deprecated: the attempt loop lives in :mod:`langchain_semantix.attempts`."""

from __future__ import annotations

import warnings

from langchain_semantix.attempts import arun_attempts, check_max_attempts, run_attempts

__all__ = ["run_attempts", "arun_attempts", "check_max_attempts"]

warnings.warn(
    "langchain_semantix.loop is deprecated; import from langchain_semantix.attempts",
    DeprecationWarning,
    stacklevel=2,
)

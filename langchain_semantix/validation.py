"""Deprecated: moved to :mod:`langchain_semantix.scoring` (it scores intents)."""

from __future__ import annotations

import warnings

from langchain_semantix.scoring import ajudge_intents, default_judge, judge_intents, threshold_for

__all__ = ["judge_intents", "ajudge_intents", "default_judge", "threshold_for"]

warnings.warn(
    "langchain_semantix.validation is deprecated; import from langchain_semantix.scoring",
    DeprecationWarning,
    stacklevel=2,
)

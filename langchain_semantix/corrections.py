"""Deprecated: attempts and sessions live in :mod:`langchain_semantix.attempts`, event
names and payload types in :mod:`langchain_semantix.events`."""

from __future__ import annotations

import warnings

from langchain_semantix.attempts import Attempt, CorrectionSession
from langchain_semantix.events import ATTEMPT_EVENT, ATTEMPT_KEY, OUTCOME_EVENT, SESSION_KEY, CorrectionSink

__all__ = ["Attempt", "CorrectionSession", "CorrectionSink", "ATTEMPT_EVENT", "OUTCOME_EVENT", "SESSION_KEY", "ATTEMPT_KEY"]

warnings.warn(
    "langchain_semantix.corrections is deprecated; import from langchain_semantix.attempts or langchain_semantix.events",
    DeprecationWarning,
    stacklevel=2,
)

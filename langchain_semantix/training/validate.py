"""Deprecated name: the OpenAI file checks live in :mod:`langchain_semantix.training.openai_format`."""

from __future__ import annotations

from langchain_semantix.training.openai_format import *  # noqa: F403
from langchain_semantix.training.openai_format import MIN_EXAMPLES, ValidationReport, validate_openai_file

__all__ = ["ValidationReport", "validate_openai_file", "MIN_EXAMPLES"]

"""Deprecated name: the OpenAI file checks live in :mod:`langchain_semantix.training.openai_format`."""

from __future__ import annotations

import warnings

from langchain_semantix.training.openai_format import MIN_EXAMPLES, ValidationReport, validate_openai_file

__all__ = ["ValidationReport", "validate_openai_file", "MIN_EXAMPLES"]

warnings.warn(
    "langchain_semantix.training.validate is deprecated; import from langchain_semantix.training.openai_format",
    DeprecationWarning,
    stacklevel=2,
)

"""semantix-ai compatibility: ``semantix.intent`` under this package's prefix.

A script written for semantix-ai keeps working with only the import prefix changed::

    from langchain_semantix.intent import Intent   # was: from semantix.intent import Intent

The class itself lives in :mod:`langchain_semantix.intents`.
"""

from __future__ import annotations

from langchain_semantix.intents import Intent

__all__ = ["Intent"]

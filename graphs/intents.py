"""The requirement the example graphs enforce."""

from __future__ import annotations

from langchain_semantix import Intent

__all__ = ["PoliteDecline"]


class PoliteDecline(Intent):
    """The text must politely decline an invitation without being rude."""

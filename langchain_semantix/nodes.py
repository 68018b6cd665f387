"""Deprecated: the export and calibrate nodes live in :mod:`langchain_semantix.training.nodes`."""

from __future__ import annotations

import warnings

from langchain_semantix.training.nodes import create_calibrate_node, create_export_node

__all__ = ["create_export_node", "create_calibrate_node"]

warnings.warn(
    "langchain_semantix.nodes is deprecated; import from langchain_semantix.training.nodes",
    DeprecationWarning,
    stacklevel=2,
)

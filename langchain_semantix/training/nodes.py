"""Graph nodes that parent graphs add after collection: export and calibrate."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from langchain_semantix.training.backends import Source
from langchain_semantix.training.calibrate import calibration_report, save_thresholds
from langchain_semantix.training.exporters import EXPORTERS

__all__ = ["create_export_node", "create_calibrate_node"]


def create_export_node(
    source: Source, destination: str | os.PathLike[str], format: str = "openai", **options: Any
) -> Callable[[Any], dict[str, Any]]:
    """A node that exports the collected records; it adds ``{"exports": [{format, destination, written}]}``
    (give the parent state an ``exports`` list key with an ``operator.add`` reducer to keep them all)."""
    if format not in EXPORTERS:
        raise ValueError(f"unknown export format {format!r}; choose from {', '.join(EXPORTERS)}")
    exporter = EXPORTERS[format]

    def export_records(state: Any) -> dict[str, Any]:
        result = exporter(source, destination, **options)
        return {
            "exports": [
                {
                    "format": format,
                    "destination": str(result.destination),
                    "written": result.written,
                    "validation_written": result.validation_written,
                }
            ]
        }

    export_records.__name__ = f"export_{format.replace('-', '_')}"
    return export_records


def create_calibrate_node(
    source: Source, thresholds_path: str | os.PathLike[str] | None = None, method: str = "midpoint", **options: Any
) -> Callable[[Any], dict[str, Any]]:
    """A node that fits thresholds; it sets ``{"thresholds": {intent: value}}`` and writes
    ``thresholds_path`` when given."""

    def calibrate(state: Any) -> dict[str, Any]:
        report = calibration_report(source, method, **options)
        if thresholds_path is not None:
            save_thresholds(thresholds_path, report)
        return {"thresholds": {n: e.threshold for n, e in report.items() if e.threshold is not None}}

    return calibrate

"""Graph nodes that parent graphs add after collection: export and calibrate."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from langchain_semantix.training.backends import Source
from langchain_semantix.training.calibrate import _check_options, calibration_report, check_method, save_thresholds
from langchain_semantix.training.exporters import _OPTIONS, EXPORTERS, _check_arguments, _check_paths, check_keywords

__all__ = ["create_export_node", "create_calibrate_node"]


def create_export_node(
    source: Source, destination: str | os.PathLike[str], format: str = "openai", **options: Any
) -> Callable[[Any], dict[str, Any]]:
    """A node that exports the collected records; it adds ``{"exports": [{format, destination, written}]}``
    (give the parent state an ``exports`` list key with an ``operator.add`` reducer to keep them all).
    Unknown options and invalid ``destination``, ``intent_filter`` or ``validation_fraction`` are
    refused here, when the node is made."""
    if not isinstance(format, str) or format not in EXPORTERS:
        raise ValueError(f"unknown export format {format!r:.60}; choose from {', '.join(EXPORTERS)}")
    exporter = EXPORTERS[format]
    check_keywords(exporter, options, _OPTIONS)
    _check_arguments(destination, options.get("intent_filter"), options.get("validation_fraction"))

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
    ``thresholds_path`` when given.

    A missing source file raises ``FileNotFoundError`` when the node runs (as the export
    node does); with no scored records the node sets ``{"thresholds": {}}`` and leaves
    ``thresholds_path`` as it is (as ``langchain-semantix calibrate`` does: nothing to
    calibrate). An unknown ``method`` or option is refused when the node is made."""
    check_method(method)
    check_keywords(calibration_report, options)
    _check_options(options.get("min_samples"), options.get("beta", 1.0), options.get("target_precision", 0.9))

    def calibrate(state: Any) -> dict[str, Any]:
        if options.get("labelled") is None:
            _check_paths(source, ())
        report = calibration_report(source, method, **options)
        if report and thresholds_path is not None:
            save_thresholds(thresholds_path, report)
        return {"thresholds": {n: e.threshold for n, e in report.items() if e.threshold is not None}}

    return calibrate

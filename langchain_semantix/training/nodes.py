"""Graph nodes that parent graphs add after collection: export and calibrate."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

from langchain_semantix.training.backends import Source
from langchain_semantix.training.calibrate import METHODS, _check_options, calibration_report, save_thresholds
from langchain_semantix.training.exporters import _OPTIONS, EXPORTERS, _check_arguments, _check_paths

__all__ = ["create_export_node", "create_calibrate_node"]


def _check_keywords(function: Callable[..., Any], options: dict[str, Any], extra: tuple[str, ...] = ()) -> None:
    """Refuse, when the node is made, a keyword ``function`` would refuse when the node runs."""
    parameters = inspect.signature(function).parameters
    takes = [p.name for p in parameters.values() if p.kind is p.KEYWORD_ONLY or p.kind is p.POSITIONAL_OR_KEYWORD][2:]
    takes += [name for name in extra if name not in takes] if any(p.kind is p.VAR_KEYWORD for p in parameters.values()) else []
    unknown = [key for key in options if key not in takes]
    if unknown:
        raise TypeError(f"{function.__name__}() got an unexpected keyword argument {unknown[0]!r:.60}; it takes {', '.join(takes)}")


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
    _check_keywords(exporter, options, _OPTIONS)
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
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r:.60}")
    _check_keywords(calibration_report, options)
    _check_options(options.get("min_samples"), options.get("beta", 1.0), options.get("target_precision", 0.9))

    def calibrate(state: Any) -> dict[str, Any]:
        if options.get("labelled") is None:
            _check_paths(source, ())
        report = calibration_report(source, method, **options)
        if report and thresholds_path is not None:
            save_thresholds(thresholds_path, report)
        return {"thresholds": {n: e.threshold for n, e in report.items() if e.threshold is not None}}

    return calibrate

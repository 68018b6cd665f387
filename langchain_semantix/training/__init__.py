"""Training data: correction-pair collection, call logging, export and calibration."""

from __future__ import annotations

from langchain_semantix.training.backends import JsonlBackend, StoreBackend, iter_records
from langchain_semantix.training.collector import CollectorWriteWarning, TrainingCollector
from langchain_semantix.training.jsonl import CorruptLineWarning, JsonlFile, LockTimeoutError, read_jsonl
from langchain_semantix.training.logger import TrainingDataLogger
from langchain_semantix.training.records import SCHEMA_VERSION, CorrectionRecord, RecordError

_default_collector: TrainingCollector | None = None


def set_default_collector(collector: TrainingCollector | None) -> None:
    """Set the collector that ``@validate_intent`` uses when none is passed."""
    global _default_collector
    _default_collector = collector


def get_default_collector() -> TrainingCollector | None:
    """The collector set by :func:`set_default_collector`, or ``None``."""
    return _default_collector


__all__ = [
    "TrainingCollector",
    "TrainingDataLogger",
    "set_default_collector",
    "get_default_collector",
    "JsonlBackend",
    "StoreBackend",
    "JsonlFile",
    "read_jsonl",
    "iter_records",
    "CorruptLineWarning",
    "CollectorWriteWarning",
    "LockTimeoutError",
    "CorrectionRecord",
    "RecordError",
    "SCHEMA_VERSION",
]

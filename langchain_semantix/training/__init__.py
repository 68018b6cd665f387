"""Training data: correction-pair collection, call logging, export and calibration.

Every public name is loaded on first use, so that a job reading records (an export, a
calibration) does not load LangChain for the collector it never uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_semantix._lazy import lazy_exports

if TYPE_CHECKING:
    from langchain_semantix.training.backends import JsonlBackend, StoreBackend, iter_records
    from langchain_semantix.training.collector import CollectorWriteWarning, TrainingCollector
    from langchain_semantix.training.jsonl import CorruptLineWarning, JsonlFile, LockTimeoutError, read_jsonl
    from langchain_semantix.training.logger import TrainingDataLogger
    from langchain_semantix.training.records import SCHEMA_VERSION, CorrectionRecord, RecordError

#: public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "JsonlBackend": "langchain_semantix.training.backends",
    "StoreBackend": "langchain_semantix.training.backends",
    "iter_records": "langchain_semantix.training.backends",
    "CollectorWriteWarning": "langchain_semantix.training.collector",
    "TrainingCollector": "langchain_semantix.training.collector",
    "CorruptLineWarning": "langchain_semantix.training.jsonl",
    "JsonlFile": "langchain_semantix.training.jsonl",
    "LockTimeoutError": "langchain_semantix.training.jsonl",
    "read_jsonl": "langchain_semantix.training.jsonl",
    "TrainingDataLogger": "langchain_semantix.training.logger",
    "SCHEMA_VERSION": "langchain_semantix.training.records",
    "CorrectionRecord": "langchain_semantix.training.records",
    "RecordError": "langchain_semantix.training.records",
}

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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

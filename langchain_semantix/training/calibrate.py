"""Per-intent thresholds fitted to recorded (or explicitly labelled) scores."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from langchain_semantix.training.backends import Source, iter_records
from langchain_semantix.training.jsonl import read_jsonl

__all__ = [
    "IntentCalibration",
    "calibrate_thresholds",
    "calibration_report",
    "apply_calibration",
    "save_thresholds",
    "load_thresholds",
    "collect_scores",
    "METHODS",
]

METHODS = ("midpoint", "youden", "fbeta", "precision")
THRESHOLDS_SCHEMA = 1


@dataclass
class IntentCalibration:
    """One intent's fitted threshold (``None`` when there were too few samples) and how
    its accepted and rejected scores overlap."""

    intent: str
    method: str
    threshold: float | None
    n_accepted: int
    n_rejected: int
    min_accepted: float | None = None
    max_rejected: float | None = None
    overlap: bool = False
    n_in_overlap: int = 0
    note: str = ""
    accepted_scores: list[float] = field(default_factory=list, repr=False)
    rejected_scores: list[float] = field(default_factory=list, repr=False)


def collect_scores(source: Source | None = None, *, labelled: Iterable[Mapping[str, Any]] | str | os.PathLike[str] | None = None) -> dict[str, tuple[list[float], list[float]]]:
    """``{intent: (accepted_scores, rejected_scores)}`` from records, or from labelled
    items ``{"intent", "score", "label": bool}`` (labels independent of the judge)."""
    scores: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    if labelled is not None:
        items = read_jsonl(labelled) if isinstance(labelled, (str, os.PathLike)) else labelled
        for item in items:
            if item.get("score") is None:
                continue
            scores[item["intent"]][0 if item["label"] else 1].append(float(item["score"]))
        return dict(scores)
    if source is None:
        raise ValueError("pass a source of records or labelled data")
    if isinstance(source, (str, os.PathLike)) and not str(source).startswith(("postgresql://", "postgres://")) and not Path(source).exists():
        return {}
    for record in iter_records(source):
        accepted, rejected = scores[record["intent"]]
        if record.get("accepted_score") is not None:
            accepted.append(float(record["accepted_score"]))
        for attempt in record.get("rejected_attempts") or []:
            if attempt.get("score") is not None:
                rejected.append(float(attempt["score"]))
    return dict(scores)


def _midpoint(accepted: list[float], rejected: list[float]) -> float:
    # semantix-ai's rule: midpoint on clean separation, else the mean of all scores.
    if min(accepted) > max(rejected):
        return (max(rejected) + min(accepted)) / 2
    both = accepted + rejected
    return sum(both) / len(both)


def _fit(method: str, accepted: list[float], rejected: list[float], beta: float, target_precision: float) -> tuple[float | None, str]:
    if method == "midpoint":
        return _midpoint(accepted, rejected), ""
    import numpy as np
    from sklearn.metrics import precision_recall_curve, roc_curve

    y = np.array([1] * len(accepted) + [0] * len(rejected))
    s = np.array(accepted + rejected)
    if method == "youden":
        fpr, tpr, thresholds = roc_curve(y, s)
        finite = np.isfinite(thresholds)
        j = np.where(finite, tpr - fpr, -np.inf)
        return float(thresholds[int(np.argmax(j))]), f"Youden's J = {float(np.max(j)):.3f}"
    precision, recall, thresholds = precision_recall_curve(y, s)
    precision, recall = precision[:-1], recall[:-1]
    if method == "fbeta":
        b2 = beta * beta
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.nan_to_num((1 + b2) * precision * recall / (b2 * precision + recall))
        i = int(np.argmax(f))
        return float(thresholds[i]), f"F{beta:g} = {float(f[i]):.3f}"
    ok = np.where(precision >= target_precision)[0]
    if not len(ok):
        return None, f"no threshold reaches precision {target_precision}"
    i = int(ok[np.argmax(recall[ok])])
    return float(thresholds[i]), f"precision {float(precision[i]):.3f}, recall {float(recall[i]):.3f}"


def calibration_report(
    source: Source | None = None,
    method: str = "midpoint",
    *,
    min_samples: int | None = None,
    beta: float = 1.0,
    target_precision: float = 0.9,
    labelled: Iterable[Mapping[str, Any]] | str | os.PathLike[str] | None = None,
) -> dict[str, IntentCalibration]:
    """Fit a threshold per intent and describe the overlap of its scores.

    Methods: ``"midpoint"`` (semantix-ai's rule, the default), ``"youden"`` (max TPR - FPR),
    ``"fbeta"`` (max F-beta), ``"precision"`` (most recall at ``target_precision``).
    Below ``min_samples`` accepted or rejected scores (default 1 for midpoint, as
    semantix-ai; 5 otherwise) no threshold is proposed and ``note`` says why.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    minimum = min_samples if min_samples is not None else (1 if method == "midpoint" else 5)
    report: dict[str, IntentCalibration] = {}
    for intent, (accepted, rejected) in collect_scores(source, labelled=labelled).items():
        entry = IntentCalibration(intent, method, None, len(accepted), len(rejected),
                                  accepted_scores=accepted, rejected_scores=rejected)
        if accepted and rejected:
            entry.min_accepted, entry.max_rejected = min(accepted), max(rejected)
            entry.overlap = entry.min_accepted <= entry.max_rejected
            if entry.overlap:
                lo, hi = entry.min_accepted, entry.max_rejected
                entry.n_in_overlap = sum(lo <= s <= hi for s in accepted + rejected)
        if len(accepted) < minimum or len(rejected) < minimum:
            entry.note = (
                f"too few samples: {len(accepted)} accepted and {len(rejected)} rejected; "
                f"{method} needs at least {minimum} of each"
            )
        else:
            entry.threshold, entry.note = _fit(method, accepted, rejected, beta, target_precision)
        report[intent] = entry
    return report


def calibrate_thresholds(source: Source | None = None, method: str = "midpoint", **options: Any) -> dict[str, float]:
    """``{intent: threshold}`` (semantix-ai's function; a missing or empty file gives ``{}``)."""
    return {
        name: entry.threshold
        for name, entry in calibration_report(source, method, **options).items()
        if entry.threshold is not None
    }


def apply_calibration(thresholds: Mapping[str, float], intent_classes: Mapping[str, type]) -> int:
    """Set ``threshold`` on the Intent classes named in ``thresholds``; returns how many."""
    applied = 0
    for name, value in thresholds.items():
        if name in intent_classes:
            intent_classes[name].threshold = float(value)  # type: ignore[attr-defined]
            applied += 1
    return applied


def save_thresholds(
    path: str | os.PathLike[str],
    report: Mapping[str, IntentCalibration],
    *,
    judge: str | None = None,
) -> Path:
    """Write a versioned thresholds file (method, sample counts, judge) atomically."""
    path = Path(path)
    data = {
        "schema_version": THRESHOLDS_SCHEMA,
        "created": datetime.now(timezone.utc).isoformat(),
        "judge": judge,
        "intents": {
            name: {k: v for k, v in asdict(entry).items() if k not in ("accepted_scores", "rejected_scores")}
            for name, entry in report.items()
        },
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_thresholds(path: str | os.PathLike[str]) -> dict[str, float]:
    """``{intent: threshold}`` from a file written by :func:`save_thresholds`, for
    ``IntentParser(thresholds=...)`` and ``create_retry_subgraph(thresholds=...)``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("schema_version") != THRESHOLDS_SCHEMA or "intents" not in data:
        raise ValueError(f"{path} is not a langchain-semantix thresholds file (schema {THRESHOLDS_SCHEMA})")
    return {n: float(e["threshold"]) for n, e in data["intents"].items() if e.get("threshold") is not None}

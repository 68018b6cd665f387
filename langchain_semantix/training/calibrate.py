"""Per-intent thresholds fitted to recorded (or explicitly labelled) scores."""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from langchain_semantix.errors import SCORE_TOLERANCE
from langchain_semantix.training.atomic import check_replaceable, write_error, write_text_atomic
from langchain_semantix.training.backends import Source, iter_record_scores
from langchain_semantix.training.jsonl import check_path_argument, iter_jsonl_lines, skip_line

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
#: A thresholds file holds a few lines per intent; a larger existing file is not one, and
#: :func:`save_thresholds` never replaces it (nor reads all of it to find out).
MAX_THRESHOLDS_FILE_BYTES = 1024 * 1024
_FIX = "write it with save_thresholds(...) or `langchain-semantix calibrate SOURCE --output FILE`"
_ENTRY_SHAPE = '{"threshold": 0.5, ...} (a number from 0 to 1, or null where there were too few samples)'


def _short(name: object) -> str:
    """An intent name (or any text) cut to 60 characters for an error message."""
    text = str(name)
    return text if len(text) <= 60 else text[:60] + "..."


def _require_threshold(value: object, *, what: str) -> float:
    """:func:`langchain_semantix.errors.require_threshold`, loaded when first needed: it
    loads LangChain, which reading and fitting scores do without."""
    from langchain_semantix.errors import require_threshold as require

    return require(value, what=what)


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


class LabelledScore(BaseModel):
    """One judge score with a label that did not come from that judge."""

    model_config = ConfigDict(strict=True, extra="allow")

    intent: str
    score: Annotated[float, Field(allow_inf_nan=False)] | None = None
    label: StrictBool


def _labelled_items(labelled: Iterable[Mapping[str, Any]] | str | os.PathLike[str], skipped: list[str] | None) -> Iterator[LabelledScore]:
    if isinstance(labelled, (str, os.PathLike)):
        where = str(labelled)
        items: Iterable[tuple[int, Any]] = iter_jsonl_lines(labelled, skipped=skipped)
    elif isinstance(labelled, (Mapping, bytes)) or not isinstance(labelled, Iterable):
        raise TypeError(f"labelled must be a JSONL path or a list of {{'intent', 'score', 'label'}} dicts, got {type(labelled).__name__}")
    else:
        where = "labelled item"
        items = enumerate(labelled, start=1)
    for number, item in items:
        try:
            yield LabelledScore.model_validate(item)
        except ValidationError as exc:
            error = exc.errors()[0]
            skip_line(where, number, f"invalid labelled score: {'.'.join(map(str, error['loc']))}: {error['msg']}", skipped)


def collect_scores(
    source: Source | None = None,
    *,
    labelled: Iterable[Mapping[str, Any]] | str | os.PathLike[str] | None = None,
    skipped: list[str] | None = None,
) -> dict[str, tuple[list[float], list[float]]]:
    """``{intent: (accepted_scores, rejected_scores)}`` from records, or from labelled
    items ``{"intent", "score", "label": bool}`` (labels independent of the judge).

    Invalid records or items are skipped with a warning naming ``file:line`` and listed
    in ``skipped``; a missing record file holds no scores (semantix-ai's behaviour).
    """
    scores: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    if labelled is not None:
        for item in _labelled_items(labelled, skipped):
            if item.score is not None:
                scores[item.intent][0 if item.label else 1].append(item.score)
        return dict(scores)
    if source is None:
        raise ValueError("pass a source of records or labelled data")
    by_intent: dict[str, tuple[list[float], list[float]]] = {}
    for intent, accepted, rejected in iter_record_scores(source, skipped=skipped, missing_ok=True):
        pair = by_intent.get(intent)
        if pair is None:
            pair = by_intent[intent] = ([], [])
        if accepted is not None:
            pair[0].append(accepted)
        if rejected:
            pair[1].extend(rejected)
    return by_intent


def _midpoint(entry: IntentCalibration) -> float:
    # semantix-ai's rule: midpoint on clean separation, else the mean of all scores.
    if entry.min_accepted is not None and entry.max_rejected is not None and not entry.overlap:
        return (entry.max_rejected + entry.min_accepted) / 2
    return sum(entry.rejected_scores, sum(entry.accepted_scores)) / (entry.n_accepted + entry.n_rejected)  # sum(accepted + rejected)


def _fit(entry: IntentCalibration, beta: float, target_precision: float) -> tuple[float | None, str]:
    method, accepted, rejected = entry.method, entry.accepted_scores, entry.rejected_scores
    if method == "midpoint":
        return _midpoint(entry), ""
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


def check_method(method: object) -> None:
    """Refuse a calibration ``method`` that is not one of :data:`METHODS`."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r:.60}")


def _check_options(min_samples: object, beta: object, target_precision: object) -> None:
    if min_samples is not None and (isinstance(min_samples, bool) or not isinstance(min_samples, int) or min_samples < 1):
        raise ValueError(f"min_samples must be a whole number >= 1, got {min_samples!r:.60}")
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 < beta < math.inf:
        raise ValueError(f"beta must be a finite number above 0 (1 weighs precision and recall equally), got {beta!r:.60}")
    if isinstance(target_precision, bool) or not isinstance(target_precision, (int, float)) or not 0 < target_precision <= 1:
        raise ValueError(f"target_precision must be a number in (0, 1], e.g. 0.9; got {target_precision!r:.60}")


def _check_score_range(intent: str, accepted: list[float], rejected: list[float]) -> tuple[float, float, float, float]:
    """``(min, max)`` of the accepted then the rejected scores (0 and 1 for none), after
    refusing scores outside 0-1: the threshold fitted to them could not be used (nor saved)."""
    bounds = (min(accepted, default=0.0), max(accepted, default=1.0), min(rejected, default=0.0), max(rejected, default=1.0))
    low, high = -SCORE_TOLERANCE, 1.0 + SCORE_TOLERANCE  # a float32 rounding step past 0 or 1 is still a score
    if min(bounds) < low or max(bounds) > high:
        outside = [s for s in accepted + rejected if not low <= s <= high]
        raise ValueError(
            f"the scores of {_short(intent)} must be between 0 and 1 (thresholds are pass marks from 0 to 1), but {len(outside)} "
            f"of its {len(accepted) + len(rejected)} scores are not (from {min(outside)!r} to {max(outside)!r}); rescale them to 0-1, "
            "or leave out the records or labelled items of a judge that scores on another scale"
        )
    return bounds


def calibration_report(
    source: Source | None = None,
    method: str = "midpoint",
    *,
    min_samples: int | None = None,
    beta: float = 1.0,
    target_precision: float = 0.9,
    labelled: Iterable[Mapping[str, Any]] | str | os.PathLike[str] | None = None,
    skipped: list[str] | None = None,
) -> dict[str, IntentCalibration]:
    """Fit a threshold per intent and describe the overlap of its scores.

    Methods: ``"midpoint"`` (semantix-ai's rule, the default), ``"youden"`` (max TPR - FPR),
    ``"fbeta"`` (max F-beta), ``"precision"`` (most recall at ``target_precision``).
    Below ``min_samples`` accepted or rejected scores (default 1 for midpoint, as
    semantix-ai; 5 otherwise) no threshold is proposed and ``note`` says why.
    Invalid records are skipped (warned about with ``file:line``, listed in ``skipped``).
    Scores must lie between 0 and 1, as thresholds do: an intent with a score outside
    (a judge on another scale) raises ``ValueError`` naming the intent and the scores.
    """
    check_method(method)
    _check_options(min_samples, beta, target_precision)
    minimum = min_samples if min_samples is not None else (1 if method == "midpoint" else 5)
    report: dict[str, IntentCalibration] = {}
    for intent, (accepted, rejected) in collect_scores(source, labelled=labelled, skipped=skipped).items():
        min_accepted, _, _, max_rejected = _check_score_range(intent, accepted, rejected)
        entry = IntentCalibration(intent, method, None, len(accepted), len(rejected), accepted_scores=accepted, rejected_scores=rejected)
        if accepted and rejected:
            entry.min_accepted, entry.max_rejected = min_accepted, max_rejected
            entry.overlap = entry.min_accepted <= entry.max_rejected
            if entry.overlap:
                lo, hi = entry.min_accepted, entry.max_rejected
                entry.n_in_overlap = sum(lo <= s <= hi for s in accepted + rejected)
        if len(accepted) < minimum or len(rejected) < minimum:
            entry.note = (
                f"too few samples: {len(accepted)} accepted and {len(rejected)} rejected; {method} needs at least {minimum} of each"
            )
        else:
            threshold, entry.note = _fit(entry, beta, target_precision)
            entry.threshold = None if threshold is None else min(1.0, max(0.0, threshold))  # scores within SCORE_TOLERANCE of 0-1
        report[intent] = entry
    return report


def calibrate_thresholds(source: Source | None = None, method: str = "midpoint", **options: Any) -> dict[str, float]:
    """``{intent: threshold}`` (semantix-ai's function; a missing or empty file gives ``{}``).

    ``options`` are :func:`calibration_report`'s (``min_samples``, ``beta``,
    ``target_precision``, ``labelled``, ``skipped``).
    """
    return {name: entry.threshold for name, entry in calibration_report(source, method, **options).items() if entry.threshold is not None}


def _intent_classes(intent_classes: object) -> dict[Any, type]:
    """``{name: class}`` from a mapping or a list of classes; anything else raises ``TypeError``."""
    example = "e.g. [PoliteDecline] or {'PoliteDecline': PoliteDecline}"
    if isinstance(intent_classes, Mapping):
        for name, cls in intent_classes.items():
            if not isinstance(cls, type):
                raise TypeError(
                    f"intent_classes[{name!r:.60}] must be an Intent class, got {type(cls).__name__} {cls!r:.60}; map each name to its class, {example}"
                )
        return dict(intent_classes)
    if isinstance(intent_classes, type):
        raise TypeError(
            f"intent_classes must be a list of Intent classes, got the single class {intent_classes.__name__}; pass [{intent_classes.__name__}]"
        )
    if isinstance(intent_classes, (str, bytes)) or not isinstance(intent_classes, Iterable):
        raise TypeError(
            f"intent_classes must be a list of Intent classes or a {{name: class}} dict, got {type(intent_classes).__name__} {intent_classes!r:.60}; {example}"
        )
    classes = list(intent_classes)
    for cls in classes:
        if not isinstance(cls, type):
            raise TypeError(
                f"intent_classes must hold Intent classes, got {type(cls).__name__} {cls!r:.60}; pass the class itself "
                "(PoliteDecline, not 'PoliteDecline'), or a {name: class} dict"
            )
    return {cls.__name__: cls for cls in classes}


def apply_calibration(thresholds: Mapping[str, float], intent_classes: Mapping[str, type] | Iterable[type]) -> int:
    """Set ``threshold`` on the Intent classes named in ``thresholds``; returns how many.

    ``thresholds`` is a ``{intent: threshold}`` dict (:func:`load_thresholds` reads one from
    a file); ``intent_classes`` maps names to classes (semantix-ai's form) or lists the
    classes. Anything else raises ``TypeError`` naming the argument, and a threshold outside
    0-1 raises ``ValueError``; either way no class is changed.
    """
    if isinstance(thresholds, (str, os.PathLike)):
        raise TypeError(
            f"thresholds must be a {{intent: threshold}} dict, got the path {os.fspath(thresholds)!r:.60}; "
            "call load_thresholds(path) first and pass its result"
        )
    if not isinstance(thresholds, Mapping):
        raise TypeError(
            f"thresholds must be a {{intent: threshold}} dict, got {type(thresholds).__name__} {thresholds!r:.60}; "
            "pass load_thresholds(path) or calibrate_thresholds(...)"
        )
    classes = _intent_classes(intent_classes)
    checked = {name: _require_threshold(value, what=f"the threshold of {_short(name)}") for name, value in thresholds.items()}
    applied = 0
    for name, value in checked.items():
        if name in classes:
            classes[name].threshold = value  # type: ignore[attr-defined]
            applied += 1
    return applied


def _entry(name: str, entry: IntentCalibration | float) -> dict[str, Any]:
    if isinstance(entry, IntentCalibration):
        fields = {k: v for k, v in asdict(entry).items() if k not in ("accepted_scores", "rejected_scores")}
    elif isinstance(entry, (int, float)) and not isinstance(entry, bool):
        fields = {"intent": name, "threshold": entry}  # calibrate_thresholds' {intent: threshold}
    else:
        raise TypeError(f"thresholds of {_short(name)}: expected an IntentCalibration (calibration_report) or a number, got {entry!r:.80}")
    if fields["threshold"] is not None:
        _require_threshold(fields["threshold"], what=f"the threshold of {_short(name)}")  # NaN or 1.5 never reaches the file
    return fields


def _thresholds_text(report: Mapping[str, IntentCalibration] | Mapping[str, float], *, judge: str | None = None) -> str:
    """The text :func:`save_thresholds` writes (checked: wrong types and thresholds outside 0-1 raise)."""
    if not isinstance(report, Mapping):
        raise TypeError(f"report must be calibration_report(...)'s result or a {{intent: threshold}} dict, got {type(report).__name__}")
    if judge is not None and not isinstance(judge, str):
        raise TypeError(
            f"judge must be text naming the judge that scored (e.g. 'nli' or 'trained:models/judge') or None, got {type(judge).__name__} {judge!r:.60}"
        )
    data = {
        "schema_version": THRESHOLDS_SCHEMA,
        "created": datetime.now(timezone.utc).isoformat(),
        "judge": judge,
        "intents": {name: _entry(name, entry) for name, entry in report.items()},
    }
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def _check_thresholds_destination(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`Path`, once it is known that saving thresholds there replaces
    nothing but an empty file or a thresholds file: a folder, a device, a file of another
    kind (records JSONL, a report) or one over :data:`MAX_THRESHOLDS_FILE_BYTES` is refused."""
    check_path_argument("path", path)
    path = Path(path)
    check_replaceable(path, example="thresholds.json")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise write_error(exc, path) from exc
    if not size:
        return path
    if size > MAX_THRESHOLDS_FILE_BYTES:
        why = f"it holds {size} bytes, more than a thresholds file ever does"
    else:
        try:
            _threshold_values(json.loads(path.read_bytes().decode("utf-8-sig")))
            return path
        except (ValueError, RecursionError) as exc:
            why = f"{str(exc):.200}"
        except OSError as exc:
            raise write_error(exc, path) from exc
    raise FileExistsError(
        f"{path} exists and is not a thresholds file ({why}); saving would replace it: choose another path, or delete the file first"
    )


def _create_folder(path: Path) -> None:
    if not path.parent.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error(exc, path) from exc


def save_thresholds(
    path: str | os.PathLike[str],
    report: Mapping[str, IntentCalibration] | Mapping[str, float],
    *,
    judge: str | None = None,
) -> Path:
    """Write a versioned thresholds file (method, sample counts, judge) atomically.

    ``report`` is :func:`calibration_report`'s result, or :func:`calibrate_thresholds`'
    ``{intent: threshold}``. Thresholds must be numbers from 0 to 1; ``judge`` is the
    judge's spec as text, or ``None``. Missing folders are created. An existing file is
    replaced only when it is empty or a thresholds file: anything else (a records JSONL
    given by mistake) raises ``FileExistsError`` and is left as it was.
    """
    text = _thresholds_text(report, judge=judge)
    path = _check_thresholds_destination(path)
    _create_folder(path)
    return write_text_atomic(path, text)


def _threshold_values(data: object) -> dict[str, Any]:
    """``{intent: threshold or None}`` of a parsed thresholds file, its shape checked (not the
    range of its numbers); ``ValueError`` names what is wrong and, for an entry, the intent."""
    if isinstance(data, dict) and "schema_version" not in data and all(not isinstance(v, dict) for v in data.values()):
        values = data  # a plain {intent: threshold}, as json.dump(calibrate_thresholds(...)) writes ({} when nothing was fitted)
    elif isinstance(data, dict) and data.get("schema_version") == THRESHOLDS_SCHEMA and isinstance(data.get("intents"), dict):
        values = {}
        for name, entry in data["intents"].items():
            if not isinstance(entry, dict) or "threshold" not in entry:
                raise ValueError(f"the entry of intent {_short(name)} must be {_ENTRY_SHAPE}, got {entry!r:.60}")
            values[name] = entry["threshold"]
    else:
        raise ValueError(f"not a langchain-semantix thresholds file (schema {THRESHOLDS_SCHEMA}) nor a plain {{intent: threshold}} object")
    for name, value in values.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError(
                f"the threshold of {_short(name)} must be a number from 0 to 1 (or null), got {type(value).__name__} {value!r:.60}"
            )
    return values


def load_thresholds(path: str | os.PathLike[str]) -> dict[str, float]:
    """``{intent: threshold}`` from a file written by :func:`save_thresholds` (or a plain JSON
    ``{intent: threshold}``, as ``json.dump(calibrate_thresholds(...))`` writes; ``{}`` gives
    ``{}``), for ``IntentParser(thresholds=...)`` and ``create_retry_subgraph(thresholds=...)``.

    Intents whose threshold is ``null`` (too few samples) are left out. A missing file
    raises ``FileNotFoundError``; a file of another shape (an entry without ``threshold``,
    a threshold that is not a number) or a threshold outside 0-1 (or NaN) raises
    ``ValueError`` naming the intent."""
    check_path_argument("path", path)
    if Path(path).is_dir():
        raise IsADirectoryError(f"{path} is a directory; give the thresholds JSON file ({_FIX})")
    if Path(path).exists() and not Path(path).is_file():
        raise ValueError(f"{path} is not a regular file (a device, pipe or socket); give the thresholds JSON file")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        error = FileNotFoundError(f"the thresholds file {path} does not exist; check the path, or {_FIX}")
        error.errno = exc.errno
        raise error from None
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{path} is not valid JSON ({str(exc):.200}); {_FIX}") from None
    try:
        values = _threshold_values(data)
        return {
            name: _require_threshold(value, what=f"the threshold of {_short(name)}") for name, value in values.items() if value is not None
        }
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}; {_FIX}") from None

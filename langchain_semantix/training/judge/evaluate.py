"""Measure a judge on labelled examples: ranking (ROC AUC), decisions, false acceptance."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_semantix.training.judge.labels import LabelError, LabelledExample, as_examples

if TYPE_CHECKING:
    from langchain_semantix.judges.base import Judge

__all__ = ["JudgeReport", "RequirementMetrics", "evaluate_judge", "score_examples", "split_calibration"]


@dataclass
class RequirementMetrics:
    """How a judge did on one requirement (or on all of them, for ``overall``).

    ``accuracy``, ``f1``, ``false_acceptance`` and the confusion counts use the judge's own
    thresholds; ``calibrated_*`` use ``calibrated_threshold``, fitted (Youden's J) on the
    calibration split and measured on the rest. ``false_acceptance`` is the share of
    negatives that pass; ``hard_false_acceptance`` the same over negatives marked ``hard``.
    """

    key: str
    n: int
    n_positive: int
    n_negative: int
    n_hard: int
    roc_auc: float | None
    accuracy: float
    f1: float
    false_acceptance: float | None
    hard_false_acceptance: float | None
    tp: int
    fp: int
    tn: int
    fn: int
    calibrated_threshold: float | None = None
    calibrated_accuracy: float | None = None
    calibrated_false_acceptance: float | None = None
    calibrated_hard_false_acceptance: float | None = None
    calibrated_n: int = 0


@dataclass
class JudgeReport:
    """Per-requirement and overall quality of a judge (see :func:`evaluate_judge`)."""

    judge: str
    requirements: dict[str, RequirementMetrics]
    overall: RequirementMetrics
    mean_roc_auc: float | None
    calibration_fraction: float
    notes: list[str] = field(default_factory=list)

    @property
    def thresholds(self) -> dict[str, float]:
        """Calibrated threshold per requirement (where one could be fitted)."""
        return {k: m.calibrated_threshold for k, m in self.requirements.items() if m.calibrated_threshold is not None}

    @property
    def mean_hard_false_acceptance(self) -> float | None:
        """Mean over requirements of the hard-negative false acceptance at the calibrated thresholds."""
        values = [m.calibrated_hard_false_acceptance for m in self.requirements.values() if m.calibrated_hard_false_acceptance is not None]
        return sum(values) / len(values) if values else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "judge": self.judge,
            "mean_roc_auc": self.mean_roc_auc,
            "mean_hard_false_acceptance": self.mean_hard_false_acceptance,
            "calibration_fraction": self.calibration_fraction,
            "overall": asdict(self.overall),
            "requirements": {k: asdict(m) for k, m in self.requirements.items()},
            "notes": list(self.notes),
        }

    def to_markdown(self) -> str:
        """A table per requirement plus an overall row."""

        def fmt(value: float | None) -> str:
            return "-" if value is None else f"{value:.3f}"

        lines = [
            f"### Judge quality: {self.judge}",
            "",
            f"mean per-requirement ROC AUC: {fmt(self.mean_roc_auc)}; mean hard-negative false acceptance "
            f"at calibrated thresholds: {fmt(self.mean_hard_false_acceptance)}",
            "",
            "| requirement | n | ROC AUC | accuracy | F1 | false acc. | hard false acc. | TP/FP/TN/FN "
            "| calibrated thr. | cal. false acc. | cal. hard false acc. |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for m in [*self.requirements.values(), self.overall]:
            name = m.key if len(m.key) <= 48 else m.key[:45] + "..."
            lines.append(
                f"| {name} | {m.n} | {fmt(m.roc_auc)} | {fmt(m.accuracy)} | {fmt(m.f1)} | {fmt(m.false_acceptance)} "
                f"| {fmt(m.hard_false_acceptance)} | {m.tp}/{m.fp}/{m.tn}/{m.fn} | {fmt(m.calibrated_threshold)} "
                f"| {fmt(m.calibrated_false_acceptance)} | {fmt(m.calibrated_hard_false_acceptance)} |"
            )
        lines.extend(f"\n> {note}" for note in self.notes)
        return "\n".join(lines)


def score_examples(
    judge: Judge, examples: Sequence[LabelledExample], thresholds: float | Mapping[str, float] | None = None
) -> list[tuple[float, bool]]:
    """``(score, passed)`` per example, from one ``evaluate_batch`` call."""
    from langchain_semantix.scoring import check_judge, check_thresholds

    if check_judge(judge) is None:
        raise TypeError("judge must be a Judge to evaluate, got None")
    if isinstance(thresholds, Mapping):
        known = check_thresholds(thresholds) or {}
        limits: Any = [known.get(e.key) for e in examples]
    else:
        limits = thresholds
    verdicts = judge.evaluate_batch([(e.output, e.requirement) for e in examples], limits)
    out = []
    for e, v in zip(examples, verdicts):
        if v.score is None or not math.isfinite(v.score):
            raise LabelError(f"{judge!r} returned the score {v.score!r} for an output of {e.key!r}; evaluate_judge needs finite scores")
        out.append((float(v.score), bool(v.passed)))
    return out


def split_calibration(examples: Sequence[LabelledExample], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices ``(calibration, evaluation)``, stratified by requirement and label."""
    groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        groups[(e.key, e.label)].append(i)
    rng = random.Random(seed)
    calibration: list[int] = []
    for members in groups.values():
        members = list(members)
        rng.shuffle(members)
        take = round(len(members) * fraction)
        if fraction > 0 and len(members) > 1:
            take = min(max(take, 1), len(members) - 1)
        calibration.extend(members[:take])
    chosen = set(calibration)
    return sorted(calibration), [i for i in range(len(examples)) if i not in chosen]


def _youden(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    from langchain_semantix.training.calibrate import calibration_report

    if len(set(labels)) < 2:
        return None
    items = [{"intent": "_", "score": s, "label": y} for s, y in zip(scores, labels)]
    return calibration_report(method="youden", min_samples=1, labelled=items)["_"].threshold


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _metrics(key: str, rows: Sequence[tuple[LabelledExample, float, bool]]) -> RequirementMetrics:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score

    y = [e.label for e, _, _ in rows]
    scores = [s for _, s, _ in rows]
    passed = [p for _, _, p in rows]
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, passed, labels=[False, True]).ravel())
    hard = [p for e, _, p in rows if not e.label and e.hard]
    return RequirementMetrics(
        key=key,
        n=len(rows),
        n_positive=sum(y),
        n_negative=len(y) - sum(y),
        n_hard=len(hard),
        roc_auc=float(roc_auc_score(y, scores)) if len(set(y)) == 2 else None,
        accuracy=float(accuracy_score(y, passed)),
        f1=float(f1_score(y, passed, zero_division=0.0)),
        false_acceptance=_rate(fp, fp + tn),
        hard_false_acceptance=_rate(sum(hard), len(hard)),
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
    )


def _calibrate(
    metrics: RequirementMetrics, rows: Sequence[tuple[LabelledExample, float, bool]], calibration: set[int], indices: Sequence[int]
) -> None:
    cal = [(rows[k][1], rows[k][0].label) for k, i in enumerate(indices) if i in calibration]
    held = [rows[k] for k, i in enumerate(indices) if i not in calibration]
    threshold = _youden([s for s, _ in cal], [y for _, y in cal])
    if threshold is None or not held:
        return
    negatives = [s >= threshold for e, s, _ in held if not e.label]
    hard = [s >= threshold for e, s, _ in held if not e.label and e.hard]
    metrics.calibrated_threshold = threshold
    metrics.calibrated_n = len(held)
    metrics.calibrated_accuracy = sum((s >= threshold) == e.label for e, s, _ in held) / len(held)
    metrics.calibrated_false_acceptance = _rate(sum(negatives), len(negatives))
    metrics.calibrated_hard_false_acceptance = _rate(sum(hard), len(hard))


def evaluate_judge(
    judge: Judge,
    examples: Sequence[LabelledExample],
    *,
    thresholds: float | Mapping[str, float] | None = None,
    calibration_fraction: float = 0.5,
    seed: int = 0,
) -> JudgeReport:
    """Measure ``judge`` on labelled examples, per requirement and overall.

    ROC AUC (ranking, threshold-free), accuracy, F1, false acceptance (negatives that pass)
    and confusion counts at the judge's own thresholds (or ``thresholds``: one value or
    ``{intent or requirement: value}``). ``calibration_fraction`` of each requirement's
    examples (stratified by label, seeded) fits a threshold by Youden's J; the calibrated
    figures are measured on the remaining examples. ``0`` skips calibration.

    Example:
        .. code-block:: python

            report = evaluate_judge(judge, read_labels("held_out.jsonl"))
            print(report.to_markdown())
    """
    if isinstance(calibration_fraction, bool) or not isinstance(calibration_fraction, (int, float)) or not 0 <= calibration_fraction < 1:
        raise ValueError(f"calibration_fraction must be a number in [0, 1) (0 skips calibration), got {calibration_fraction!r}")
    examples = as_examples(examples)
    if not examples:
        raise LabelError("no examples to evaluate; pass labelled examples (read_labels(path))")
    scored = score_examples(judge, examples, thresholds)
    calibration = set(split_calibration(examples, calibration_fraction, seed)[0]) if calibration_fraction else set()
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by_key[e.key].append(i)
    per: dict[str, RequirementMetrics] = {}
    notes: list[str] = []
    for key, indices in by_key.items():
        rows = [(examples[i], *scored[i]) for i in indices]
        per[key] = _metrics(key, rows)
        if per[key].roc_auc is None:
            notes.append(f"{key}: only one class labelled, so no ROC AUC or calibrated threshold")
        elif calibration:
            _calibrate(per[key], rows, calibration, indices)
    overall = _metrics("overall", [(e, *s) for e, s in zip(examples, scored)])
    aucs = [m.roc_auc for m in per.values() if m.roc_auc is not None]
    return JudgeReport(
        judge=repr(judge),
        requirements=per,
        overall=overall,
        mean_roc_auc=sum(aucs) / len(aucs) if aucs else None,
        calibration_fraction=calibration_fraction,
        notes=notes,
    )

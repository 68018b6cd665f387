"""evaluate_judge figures on tiny sets computed by hand."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from langchain_semantix import Judge, Verdict
from langchain_semantix.training.judge import LabelledExample, evaluate_judge
from langchain_semantix.training.judge.evaluate import split_calibration


class TableJudge(Judge):
    """Scores each output from a table (a deterministic stand-in for a model)."""

    name = "table"

    def __init__(self, scores: Mapping[str, float], default_threshold: float = 0.5) -> None:
        self.scores = dict(scores)
        self.default_threshold = default_threshold

    def evaluate(self, output: str, intent_description: str, threshold: float | None = None) -> Verdict:
        limit = self.default_threshold if threshold is None else threshold
        score = self.scores[output]
        return Verdict(passed=score >= limit, score=score, threshold=limit)


def ex(req: str, output: str, label: bool, hard: bool = False) -> LabelledExample:
    return LabelledExample(requirement=req, output=output, label=label, metadata={"hard": hard})


def test_figures_computed_by_hand() -> None:
    # A: positives 0.9, 0.6; negatives 0.7 (hard), 0.2.
    # AUC: of the 4 (pos, neg) pairs only (0.6, 0.7) is misordered -> 3/4.
    # At 0.5: TP 2, FP 1 (the hard one), TN 1, FN 0 -> accuracy 3/4, F1 = 4/5, false acceptance 1/2.
    # B: positives 0.8, 0.4; negative 0.1 -> AUC 1; at 0.5 TP 1, FN 1, TN 1 -> accuracy 2/3, F1 2/3.
    examples = [
        ex("A", "a1", True),
        ex("A", "a2", True),
        ex("A", "a3", False, hard=True),
        ex("A", "a4", False),
        ex("B", "b1", True),
        ex("B", "b2", True),
        ex("B", "b3", False),
    ]
    judge = TableJudge({"a1": 0.9, "a2": 0.6, "a3": 0.7, "a4": 0.2, "b1": 0.8, "b2": 0.4, "b3": 0.1})
    report = evaluate_judge(judge, examples, calibration_fraction=0)
    a, b = report.requirements["A"], report.requirements["B"]
    assert a.roc_auc == pytest.approx(0.75) and b.roc_auc == pytest.approx(1.0)
    assert (a.tp, a.fp, a.tn, a.fn) == (2, 1, 1, 0)
    assert a.accuracy == pytest.approx(0.75) and a.f1 == pytest.approx(0.8)
    assert a.false_acceptance == pytest.approx(0.5) and a.hard_false_acceptance == pytest.approx(1.0)
    assert (b.tp, b.fp, b.tn, b.fn) == (1, 0, 1, 1) and b.f1 == pytest.approx(2 / 3)
    assert b.hard_false_acceptance is None and b.n_hard == 0
    assert report.mean_roc_auc == pytest.approx(0.875)
    # Overall: 7 examples, TP 3, FP 1, TN 2, FN 1.
    assert (report.overall.tp, report.overall.fp, report.overall.tn, report.overall.fn) == (3, 1, 2, 1)
    table = report.to_markdown()
    assert "| A | 4 | 0.750 | 0.750 | 0.800 | 0.500 | 1.000 | 2/1/1/0 |" in table
    assert report.to_dict()["requirements"]["B"]["roc_auc"] == pytest.approx(1.0)


def test_thresholds_override_the_judges() -> None:
    examples = [ex("A", "a1", True), ex("A", "a2", False)]
    judge = TableJudge({"a1": 0.9, "a2": 0.6})
    assert evaluate_judge(judge, examples, calibration_fraction=0).requirements["A"].fp == 1
    assert evaluate_judge(judge, examples, thresholds={"A": 0.7}, calibration_fraction=0).requirements["A"].fp == 0


def test_calibrated_threshold_is_youden_on_the_calibration_split() -> None:
    # Positives score 0.6-0.9, negatives 0.1-0.4 except a hard one at 0.55: any split of
    # two per class for calibration gets a threshold in (0.4, 0.6], so the held-out hard
    # negative at 0.55 passes only if the threshold is at or below it.
    pos = {f"p{i}": s for i, s in enumerate([0.6, 0.7, 0.8, 0.9])}
    neg = {f"n{i}": s for i, s in enumerate([0.1, 0.2, 0.4, 0.55])}
    examples = [ex("A", o, True) for o in pos] + [ex("A", o, False, hard=o == "n3") for o in neg]
    report = evaluate_judge(TableJudge({**pos, **neg}), examples, calibration_fraction=0.5, seed=3)
    cal, held = split_calibration(examples, 0.5, seed=3)
    assert len(cal) == 4 and sorted(examples[i].label for i in cal) == [False, False, True, True]
    cal_pos = min(TableJudge({**pos, **neg}).scores[examples[i].output] for i in cal if examples[i].label)
    m = report.requirements["A"]
    assert m.calibrated_threshold == pytest.approx(cal_pos) and m.calibrated_n == 4
    held_neg = [examples[i] for i in held if not examples[i].label]
    expected_fa = sum({**neg}[e.output] >= cal_pos for e in held_neg) / len(held_neg)
    assert m.calibrated_false_acceptance == pytest.approx(expected_fa)
    assert report.thresholds == {"A": m.calibrated_threshold}


def test_one_class_requirement_is_noted_not_crashed() -> None:
    report = evaluate_judge(TableJudge({"a": 0.9, "b": 0.8}), [ex("A", "a", True), ex("A", "b", True)])
    assert report.requirements["A"].roc_auc is None and "only one class" in report.notes[0]
    with pytest.raises(ValueError, match="calibration_fraction"):
        evaluate_judge(TableJudge({}), [ex("A", "a", True)], calibration_fraction=1.0)

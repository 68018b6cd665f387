import json
import math

import pytest

from langchain_semantix.training.calibrate import (
    METHODS,
    apply_calibration,
    calibrate_thresholds,
    calibration_report,
    load_thresholds,
    save_thresholds,
)
from langchain_semantix.training.jsonl import CorruptLineWarning
from tests.unit_tests.training._data import BAD_LINES, rec, write


def test_semantix_calibration_results(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0, rs=0.2, acc=0.8), rec(1, rs=0.3, acc=0.9)])
    assert calibrate_thresholds(src) == {"Polite": pytest.approx(0.55)}
    overlap = write(tmp_path / "o.jsonl", [rec(0, rs=0.6, acc=0.5), rec(1, rs=0.2, acc=0.9)])
    assert calibrate_thresholds(overlap)["Polite"] == pytest.approx((0.6 + 0.2 + 0.5 + 0.9) / 4)
    assert calibrate_thresholds(tmp_path / "nope.jsonl") == {}
    assert calibrate_thresholds(write(tmp_path / "empty.jsonl", [])) == {}

    class Polite:
        threshold = 0.5

    assert apply_calibration({"Polite": 0.55, "Other": 0.1}, {"Polite": Polite}) == 1 and Polite.threshold == 0.55


def test_youden_finds_the_known_optimum_and_minimum_samples(tmp_path):
    labelled = [{"intent": "I", "score": s / 100, "label": s >= 40} for s in range(0, 100, 2)]
    report = calibration_report(method="youden", labelled=labelled)["I"]
    assert report.threshold == pytest.approx(0.40) and not report.overlap
    fb = calibration_report(method="fbeta", labelled=labelled)["I"]
    assert fb.threshold == pytest.approx(0.40)
    few = calibration_report(method="youden", labelled=labelled[:3] + labelled[-3:])["I"]
    assert few.threshold is None and "too few samples" in few.note
    path = save_thresholds(tmp_path / "t.json", {"I": report}, judge="nli")
    assert load_thresholds(path) == {"I": pytest.approx(0.40)}


@pytest.mark.parametrize("method", METHODS)
def test_every_method_skips_and_counts_bad_records(tmp_path, method):
    good = [rec(i, rs=0.1 + i / 100, acc=0.8 + i / 100) for i in range(6)]
    src = write(tmp_path / "c.jsonl", good[:3] + BAD_LINES + good[3:])
    skipped: list[str] = []
    with pytest.warns(CorruptLineWarning):
        report = calibration_report(src, method, min_samples=1, skipped=skipped)
    assert len(skipped) == len(BAD_LINES) and report["Polite"].n_accepted == 6
    assert report["Polite"].threshold is None or math.isfinite(report["Polite"].threshold)


def test_nan_scores_never_reach_a_thresholds_file(tmp_path):
    labelled = [{"intent": "I", "score": float("nan"), "label": True}, {"intent": "I", "score": "0.5", "label": False}]
    labelled += [{"intent": "I", "score": s / 10, "label": s >= 5} for s in range(10)]
    skipped: list[str] = []
    with pytest.warns(CorruptLineWarning, match="labelled item:1"):
        report = calibration_report(method="midpoint", labelled=labelled, skipped=skipped)
    assert len(skipped) == 2 and math.isfinite(report["I"].threshold)
    path = save_thresholds(tmp_path / "t.json", report)
    assert "NaN" not in path.read_text() and load_thresholds(path) == {"I": pytest.approx(report["I"].threshold)}
    data = json.loads(path.read_text())
    data["intents"]["I"]["threshold"] = 1e999
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="threshold of I must be between 0 and 1"):
        load_thresholds(path)


def test_save_thresholds_never_writes_through_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / "t.json.tmp").symlink_to(victim)  # the fixed temp name older versions used
    labelled = [{"intent": "I", "score": s / 10, "label": s >= 5} for s in range(10)]
    save_thresholds(tmp_path / "t.json", calibration_report(labelled=labelled))
    assert victim.read_text() == "keep" and load_thresholds(tmp_path / "t.json")

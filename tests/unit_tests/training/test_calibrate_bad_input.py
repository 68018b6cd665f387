"""Calibration and thresholds files under bad input: errors name the option or the intent, and the fix."""

from __future__ import annotations

import json
import os

import pytest

from langchain_semantix import Intent
from langchain_semantix.training.calibrate import (
    IntentCalibration,
    apply_calibration,
    calibrate_thresholds,
    calibration_report,
    load_thresholds,
    save_thresholds,
)

ITEMS = [{"intent": "A", "score": s, "label": y} for s, y in [(0.9, True), (0.8, True), (0.2, False), (0.1, False)]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_samples": 0}, "min_samples must be a whole number >= 1"),
        ({"method": "fbeta", "beta": 0}, "beta must be a finite number above 0"),
        ({"method": "fbeta", "beta": float("nan")}, "beta must be"),
        ({"method": "precision", "target_precision": 0}, "target_precision must be a number in"),
        ({"method": "precision", "target_precision": 1.5}, "target_precision must be"),
    ],
)
def test_options_are_checked(options, message):
    with pytest.raises(ValueError, match=message):
        calibration_report(labelled=ITEMS, **options)


def test_labelled_must_be_a_list_or_a_path():
    with pytest.raises(TypeError, match="labelled must be a JSONL path or a list"):
        calibration_report(labelled=ITEMS[0])


def test_thresholds_outside_0_1_never_load_or_apply(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"schema_version": 1, "intents": {"A": {"threshold": 1.5}}}))
    with pytest.raises(ValueError, match="the threshold of A must be between 0 and 1, got 1.5; e.g. 0.5; write it with save_thresholds"):
        load_thresholds(path)

    class A(Intent):
        """The text must be polite."""

    with pytest.raises(ValueError, match="the threshold of A must be between 0 and 1"):
        apply_calibration({"A": 2.0}, {"A": A})
    assert A.threshold is None


def test_a_plain_mapping_and_calibrate_thresholds_output_round_trip(tmp_path):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"A": 0.55}))
    assert load_thresholds(plain) == {"A": 0.55}
    saved = save_thresholds(tmp_path / "t.json", calibrate_thresholds(labelled=ITEMS))
    assert load_thresholds(saved) == {"A": pytest.approx(0.5)}


def test_save_refuses_nan_a_folder_and_wrong_entries_and_writes_nothing(tmp_path):
    target = tmp_path / "t.json"
    with pytest.raises(ValueError, match="the threshold of A must be between 0 and 1"):
        save_thresholds(target, {"A": IntentCalibration("A", "midpoint", float("nan"), 1, 1)})
    with pytest.raises(TypeError, match="thresholds of A: expected an IntentCalibration"):
        save_thresholds(target, {"A": "0.5"})
    assert not target.exists()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        save_thresholds(tmp_path, {"A": 0.5})
    with pytest.raises(IsADirectoryError, match="is a directory"):
        load_thresholds(tmp_path)


def test_thresholds_are_never_written_over_a_device_or_read_from_a_pipe(tmp_path):
    pipe = tmp_path / "t.json"
    os.mkfifo(pipe)
    with pytest.raises(ValueError, match="is not a regular file"):
        load_thresholds(pipe)
    with pytest.raises(ValueError, match="is not a regular file"):
        save_thresholds(pipe, {"A": 0.5})


def test_apply_calibration_takes_a_list_of_intent_classes():
    class B(Intent):
        """The text must be polite."""

    assert apply_calibration({"B": 0.4, "Other": 0.6}, [B]) == 1 and B.threshold == 0.4

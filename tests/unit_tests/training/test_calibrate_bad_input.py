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


class Polite(Intent):
    """The text must be polite."""


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ("thresholds.json", r"got the path 'thresholds.json'; call load_thresholds\(path\) first"),
        (None, r"thresholds must be a \{intent: threshold\} dict, got NoneType None; pass load_thresholds"),
        ([("Polite", 0.5)], r"thresholds must be a \{intent: threshold\} dict, got list"),
    ],
)
def test_apply_calibration_refuses_a_path_or_a_non_mapping_naming_the_fix(tmp_path, thresholds, message):
    with pytest.raises(TypeError, match=message):
        apply_calibration(thresholds, [Polite])


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        (["Polite"], r"intent_classes must hold Intent classes, got str 'Polite'; pass the class itself"),
        ({"Polite": "x"}, r"intent_classes\['Polite'\] must be an Intent class, got str 'x'"),
        (None, r"intent_classes must be a list of Intent classes or a \{name: class\} dict, got NoneType"),
        ("Polite", r"intent_classes must be a list of Intent classes or a \{name: class\} dict, got str"),
        (Polite, r"got the single class Polite; pass \[Polite\]"),
    ],
)
def test_apply_calibration_refuses_what_is_not_intent_classes_and_changes_nothing(classes, message):
    Polite.threshold = None
    with pytest.raises(TypeError, match=message):
        apply_calibration({"Polite": 0.4}, classes)
    assert Polite.threshold is None


@pytest.mark.parametrize(
    ("intents", "message"),
    [
        ({"A": 0.5}, r"the entry of intent A must be \{\"threshold\": 0.5, ...\}.*got 0.5"),
        ({"A": {"thresh": 0.5}}, r"the entry of intent A must be \{\"threshold\": 0.5, ...\}.*got \{'thresh': 0.5\}"),
        ({"A": {"threshold": "0.5"}}, r"the threshold of A must be a number from 0 to 1 \(or null\), got str '0.5'"),
    ],
)
def test_wrongly_shaped_entries_are_refused_not_skipped(tmp_path, intents, message):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"schema_version": 1, "intents": intents}))
    with pytest.raises(ValueError, match=message):
        load_thresholds(path)


def test_an_intent_without_a_threshold_is_still_left_out(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"schema_version": 1, "intents": {"A": {"threshold": None}, "B": {"threshold": 0.3}}}))
    assert load_thresholds(path) == {"B": 0.3}


def test_a_missing_thresholds_file_says_how_to_write_one(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"t.json does not exist; check the path, or write it with save_thresholds"):
        load_thresholds(tmp_path / "t.json")


def test_an_empty_plain_mapping_loads_as_no_thresholds(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(calibrate_thresholds(tmp_path / "missing.jsonl")))  # {}: nothing to calibrate
    assert load_thresholds(path) == {}


@pytest.mark.parametrize("call", [lambda: load_thresholds(None), lambda: save_thresholds(None, {"A": 0.5})])
def test_a_path_that_is_not_a_path_is_named(call):
    with pytest.raises(TypeError, match="path must be a file path"):
        call()


def test_save_never_replaces_a_file_that_is_not_a_thresholds_file(tmp_path):
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps({"intent": "A", "rejected_score": 0.1}) + "\n" + json.dumps({"intent": "A"}) + "\n")
    one_record = tmp_path / "one.jsonl"
    one_record.write_text(json.dumps({"intent": "A", "rejected_output": "no", "rejected_score": 0.1}) + "\n")
    large = tmp_path / "large.json"
    large.write_text(json.dumps({"A": 0.5, "x": "a" * 2_000_000}))
    for path in (records, one_record, large):
        before = path.read_bytes()
        with pytest.raises(
            FileExistsError, match=rf"{path} exists and is not a thresholds file .*choose another path, or delete the file first"
        ):
            save_thresholds(path, {"A": 0.5})
        assert path.read_bytes() == before
    for path, content in ((tmp_path / "empty.json", ""), (tmp_path / "old.json", '{"A": 0.2}')):
        path.write_text(content)
        assert load_thresholds(save_thresholds(path, {"A": 0.5})) == {"A": 0.5}
    assert load_thresholds(save_thresholds(tmp_path / "old.json", {"A": 0.7})) == {"A": 0.7}  # a saved file is replaced


@pytest.mark.parametrize("folder", ["/proc/nope", "/sys/nope"])
def test_a_folder_that_cannot_be_created_names_the_path_and_the_fix(folder):
    if not os.path.isdir(os.path.dirname(folder)):
        pytest.skip(f"no {os.path.dirname(folder)} here")
    with pytest.raises(OSError) as error:
        save_thresholds(f"{folder}/t.json", {"A": 0.5})
    assert str(error.value).startswith(f"could not write {folder}/t.json: ") and "Nothing was written there" in str(error.value)


def test_save_refuses_a_judge_that_is_not_text(tmp_path):
    with pytest.raises(TypeError, match="judge must be text naming the judge that scored .* got object"):
        save_thresholds(tmp_path / "t.json", {"A": 0.5}, judge=object())
    assert not (tmp_path / "t.json").exists()


BIG = "a" * 5_000_000


@pytest.mark.parametrize(
    "call",
    [
        lambda tmp_path: calibrate_thresholds(None, BIG, labelled=ITEMS),
        lambda tmp_path: calibrate_thresholds(labelled=ITEMS, min_samples=BIG),
        lambda tmp_path: calibrate_thresholds(labelled=ITEMS, method="fbeta", beta=BIG),
        lambda tmp_path: apply_calibration({"A": BIG}, []),
        lambda tmp_path: apply_calibration({BIG: 2.0}, []),
        lambda tmp_path: save_thresholds(tmp_path / "t.json", {BIG: 2.0}),
        lambda tmp_path: load_thresholds(_write(tmp_path / "t.json", {"A": 0.5, "x": BIG})),
        lambda tmp_path: load_thresholds(_write(tmp_path / "t.json", {"schema_version": 1, "intents": {"A": BIG}})),
    ],
)
def test_errors_never_embed_a_huge_value(tmp_path, call):
    with pytest.raises((TypeError, ValueError)) as error:
        call(tmp_path)
    assert len(str(error.value)) < 1000


def _write(path, data):
    path.write_text(json.dumps(data))
    return path


def test_scores_outside_0_1_are_refused_naming_the_intent_and_the_scores():
    items = [{"intent": "A", "score": s, "label": y} for s, y in [(5, True), (3, False), (0.5, True)]]
    with pytest.raises(
        ValueError, match=r"the scores of A must be between 0 and 1 .* 2 of its 3 scores are not \(from 3.0 to 5.0\); rescale"
    ):
        calibrate_thresholds(labelled=items)


def test_a_score_a_float32_rounding_step_past_one_still_calibrates():
    over = 1.0000001192092896  # an embedding judge's cosine of equal texts before it was capped
    items = [{"intent": "A", "score": s, "label": y} for s, y in [(over, True), (over, True), (0.2, False)]]
    assert calibrate_thresholds(labelled=items) == {"A": pytest.approx(0.6)}
    everything_over = [{"intent": "B", "score": over, "label": y} for y in (True, False)]
    assert calibrate_thresholds(labelled=everything_over) == {"B": 1.0}  # fitted past 1, kept a pass mark

"""Labels, evaluation, training and the cascade under bad input: a LabelError/TypeError/ValueError naming the fix."""

from __future__ import annotations

import json
import os

import pytest

from langchain_semantix import Judge, Verdict
from langchain_semantix.testing import KeywordJudge
from langchain_semantix.training.judge import (
    CascadeJudge,
    LabelError,
    LabelledExample,
    LabelStore,
    TrainRecipe,
    evaluate_judge,
    label_with,
    labels_from_corrections,
    labels_from_review,
    read_labels,
    train_judge,
)
from langchain_semantix.training.judge.labels import check_trainable

LINE = {"requirement": "Be polite.", "output": "Thanks!", "label": True}
EXAMPLES = [
    LabelledExample(requirement="Be polite.", output="Thanks!", label=True),
    LabelledExample(requirement="Be polite.", output="go away", label=False),
]


def test_a_byte_order_mark_does_not_cost_the_first_label(tmp_path):
    jsonl = tmp_path / "l.jsonl"
    jsonl.write_bytes(b"\xef\xbb\xbf" + json.dumps(LINE).encode() + b"\n")
    csv = tmp_path / "l.csv"
    csv.write_bytes(b"\xef\xbb\xbfrequirement,output,label\nBe polite.,Thanks!,true\n")
    assert [e.output for e in read_labels(jsonl)] == [e.output for e in read_labels(csv)] == ["Thanks!"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", "l.jsonl:1: JSON nested too deeply"),
        (json.dumps({**LINE, "output": "a\ud800b"}).encode() + b"\n", "l.jsonl:1: output: .*lone surrogate"),
        (json.dumps({**LINE, "score": float("nan")}).encode() + b"\n", "l.jsonl:1: score"),
        (json.dumps({**LINE, "hard": True, "metadata": [1]}).encode() + b"\n", "l.jsonl:1: metadata must be a JSON object"),
        (json.dumps({**LINE, "label": None}).encode() + b"\n", "l.jsonl:1: label must be true or false"),
    ],
)
def test_bad_label_lines_name_file_line_and_problem(tmp_path, content, message):
    path = tmp_path / "l.jsonl"
    path.write_bytes(content)
    with pytest.raises(LabelError, match=message):
        read_labels(path)


def test_a_csv_that_is_not_utf8_is_a_label_error(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"requirement,output,label\n\xff\xfe\xfd,x,true\n")
    with pytest.raises(LabelError, match="l.csv:.*not readable as UTF-8 CSV"):
        read_labels(path)


def test_label_store_checks_its_folder_and_what_it_is_given(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match="afile is not a folder"):
        LabelStore(tmp_path / "afile" / "labels.jsonl")
    with pytest.raises(TypeError, match="LabelStore needs a JSONL path"):
        LabelStore(None)
    store = LabelStore(tmp_path / "labels.jsonl")
    store.add(dict(LINE))  # a dict with the fields is validated and stored
    with pytest.raises(LabelError, match="takes a LabelledExample, got NoneType"):
        store.add(None)
    with pytest.raises(LabelError, match=r"example: label must be true or false"):
        store.add({**LINE, "label": "yes"})
    assert [e.output for e in store.examples()] == ["Thanks!"]


def test_label_with_checks_the_judge_and_the_outputs():
    with pytest.raises(TypeError, match="judge must be a Judge"):
        label_with(None, ["x"], "Be polite.")
    with pytest.raises(TypeError, match=r"outputs must be a list of texts; to label one text pass \[text\]"):
        label_with(KeywordJudge(), "one text", "Be polite.")


def test_reviews_and_corrections_of_the_wrong_shape_are_label_errors():
    with pytest.raises(LabelError, match="review must be the outcome's 'review' dict"):
        labels_from_review(None)
    with pytest.raises(LabelError, match="needs its 'description'"):
        labels_from_review({"decision": "approve", "draft": "d", "intents": [{"name": "X"}]})
    with pytest.raises(LabelError, match="correction record 1: .*intent_description"):
        labels_from_corrections([{"intent": "X", "accepted_output": "a"}], judge_being_trained=None)
    with pytest.raises(LabelError, match="correction record 1 is a str"):
        labels_from_corrections(["x"], judge_being_trained=None)


def test_examples_given_as_dicts_are_validated_everywhere():
    judge = KeywordJudge(fail_words=["go away"])
    report = evaluate_judge(judge, [dict(e.to_record()) for e in EXAMPLES])  # valid dicts are examples
    assert report.overall.n == 2
    with pytest.raises(LabelError, match=r"examples\[0\]: missing field 'output'"):
        evaluate_judge(judge, [{"requirement": "r", "label": True}])
    with pytest.raises(LabelError, match="must be a list of LabelledExample"):
        check_trainable(EXAMPLES[0])
    with pytest.raises(LabelError, match=r"examples\[0\] is a int"):
        train_judge([1], output_dir="unused")


def test_evaluate_judge_checks_its_arguments():
    judge = KeywordJudge(fail_words=["go away"])
    with pytest.raises(TypeError, match="judge must be a Judge"):
        evaluate_judge(None, EXAMPLES)
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        evaluate_judge(judge, EXAMPLES, thresholds=float("nan"))
    with pytest.raises(ValueError, match=r"thresholds\['Be polite.'\] must be between 0 and 1"):
        evaluate_judge(judge, EXAMPLES, thresholds={"Be polite.": 1.5})
    with pytest.raises(ValueError, match="calibration_fraction"):
        evaluate_judge(judge, EXAMPLES, calibration_fraction=float("nan"))
    assert evaluate_judge(judge, iter(EXAMPLES)).overall.n == 2  # any iterable


def test_a_judge_returning_nan_scores_is_named():
    class NanJudge(Judge):
        def evaluate(self, output, intent_description, threshold=None):
            return Verdict(passed=True, score=float("nan"))

    with pytest.raises(LabelError, match="returned the score nan .*finite scores"):
        evaluate_judge(NanJudge(), EXAMPLES)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"epochs": 0}, "epochs must be a whole number >= 1"),
        ({"batch_size": 0}, "batch_size must be a whole number >= 1"),
        ({"learning_rate": -1e-5}, "learning_rate must be a finite number above 0"),
        ({"warmup_ratio": 2.0}, "warmup_ratio must be a finite number >= 0 and <= 1"),
        ({"calibration_fraction": 1.5}, "calibration_fraction must be a number in"),
    ],
)
def test_train_judge_refuses_bad_settings_before_loading_a_model(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        train_judge(EXAMPLES, output_dir=tmp_path / "j", use_corpus=False, **options)
    assert not (tmp_path / "j").exists()


def test_train_judge_names_unknown_options_and_a_missing_output_dir():
    with pytest.raises(TypeError, match="unknown options bogus; recipe fields are: epochs"):
        train_judge(EXAMPLES, output_dir="unused", bogus=1)
    with pytest.raises(TypeError, match="output_dir must be a folder path"):
        train_judge(EXAMPLES, output_dir=None)
    with pytest.raises(ValueError, match="epochs"):
        TrainRecipe(epochs=0)


@pytest.mark.parametrize(
    ("band", "error"),
    [((0.7, 0.3), ValueError), ((float("nan"), 0.5), ValueError), ((0.1,), TypeError), ("ab", TypeError), ((0, 2), ValueError)],
)
def test_cascade_band_is_checked(band, error):
    with pytest.raises(error, match="band must be"):
        CascadeJudge(KeywordJudge(), KeywordJudge(), band=band)


def test_cascade_judges_must_be_judges(tmp_path):
    with pytest.raises(TypeError, match="local must be a Judge"):
        CascadeJudge(None, KeywordJudge())
    with pytest.raises(TypeError, match="strong must be a Judge"):
        CascadeJudge(KeywordJudge(), "llm")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match="afile"):
        CascadeJudge(KeywordJudge(), KeywordJudge(), labels=tmp_path / "afile" / "l.jsonl")


def test_a_pipe_is_not_read_as_a_label_file(tmp_path):
    pipe = tmp_path / "labels.jsonl"
    os.mkfifo(pipe)
    with pytest.raises(LabelError, match="is not a regular file"):
        read_labels(pipe)


def test_a_label_store_that_fails_does_not_fail_the_check(tmp_path, monkeypatch):
    from langchain_semantix.judges.cascade import LabelWriteWarning

    class Uncertain(Judge):
        def evaluate(self, output, intent_description, threshold=None):
            return Verdict(passed=True, score=0.5)

    judge = CascadeJudge(Uncertain(), KeywordJudge(fail_words=["go away"]), labels=tmp_path / "l.jsonl")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LabelStore, "add_many", full)
    with pytest.warns(LabelWriteWarning, match="could not store 2 labels .*kept in CascadeJudge.collected"):
        verdicts = judge.evaluate_batch([("Thanks!", "Be polite."), ("go away", "Be polite.")])
    assert [v.passed for v in verdicts] == [True, False]
    assert judge.stats.label_write_failures == 2 and judge.stats.labels_written == 0 and len(judge.collected) == 2


def test_eval_never_writes_its_report_over_the_labels(tmp_path, capsys):
    from langchain_semantix.cli import main

    labels = tmp_path / "l.jsonl"
    labels.write_text(json.dumps(LINE) + "\n")
    before = labels.read_bytes()
    assert main(["judge", "eval", str(labels), "--judge", "nli", "--json", str(labels)]) == 2
    assert f"--json {labels} is the source itself; choose another destination" in capsys.readouterr().err
    assert labels.read_bytes() == before


def test_eval_checks_its_report_destination_before_judging(tmp_path, capsys):
    from langchain_semantix.cli import main

    labels = tmp_path / "l.jsonl"
    labels.write_text(json.dumps(LINE) + "\n")
    destination = tmp_path / "no" / "r.json"
    assert main(["judge", "eval", str(labels), "--judge", "nli", "--json", str(destination)]) == 2
    assert f"the folder {destination.parent} does not exist; create it first" in capsys.readouterr().err
    assert main(["judge", "eval", str(labels), "--judge", "nli", "--json", str(tmp_path)]) == 2
    assert "is a directory; give a file name" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"seed": "x"}, r"seed must be a whole number in \[0, 2\*\*32-1\], got 'x'"),
        ({"seed": -1}, r"seed must be a whole number in \[0, 2\*\*32-1\], got -1"),
        ({"seed": 2**32}, r"seed must be a whole number in \[0, 2\*\*32-1\]"),
        ({"threads": -1}, "threads must be a whole number >= 1"),
        ({"threads": 0}, "threads must be a whole number >= 1"),
        ({"threads": "x"}, "threads must be a whole number >= 1"),
    ],
)
def test_train_judge_checks_seed_and_threads_before_creating_anything(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        train_judge(EXAMPLES, output_dir=tmp_path / "j", use_corpus=False, **options)
    assert not (tmp_path / "j").exists()


@pytest.mark.parametrize("kind", ["readme", "empty-config", "file"])
def test_a_base_model_that_is_not_a_model_is_a_judge_model_error(tmp_path, kind):
    from langchain_semantix.judges.nli import JudgeModelError

    base = tmp_path / "base"
    if kind == "file":
        base.write_text("not a model")
    else:
        base.mkdir()
        (base / ("readme.txt" if kind == "readme" else "config.json")).write_text("hello" if kind == "readme" else "{}")
    with pytest.raises(JudgeModelError, match=rf"base model '{base}' could not be loaded .*bundled all-MiniLM-L6-v2"):
        train_judge(EXAMPLES, output_dir=tmp_path / "j", base_model=base, use_corpus=False, progress=False)
    assert not (tmp_path / "j").exists()  # a refused run leaves no empty folder behind


def test_a_failed_run_removes_the_folder_it_created_only(tmp_path, monkeypatch):
    import langchain_semantix.training.judge.train as train_module
    from langchain_semantix.judges import bundled_minilm_path

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(train_module, "_train_into", broken)
    options = {"base_model": bundled_minilm_path(), "use_corpus": False, "progress": False}
    with pytest.raises(RuntimeError, match="boom"):
        train_judge(EXAMPLES, output_dir=tmp_path / "new" / "j", **options)
    assert not (tmp_path / "new" / "j").exists()
    (tmp_path / "mine").mkdir()
    with pytest.raises(RuntimeError, match="boom"):
        train_judge(EXAMPLES, output_dir=tmp_path / "mine", **options)
    assert (tmp_path / "mine").is_dir()  # the user's own (empty) folder stays


@pytest.mark.parametrize(
    ("path", "intents", "message"),
    [
        (None, None, "read_labels' path must be the path of a JSONL or CSV label file .*got NoneType"),
        (b"labels.jsonl", None, "read_labels' path must be .*got bytes"),
        ("FILE", ["Foo"], r"read_labels' intents must be a mapping of intent name .*intents=\{'PoliteDecline': PoliteDecline\}, got list"),
        ("FILE", "Foo", "read_labels' intents must be a mapping .*got str"),
    ],
)
def test_read_labels_names_a_bad_path_or_intents(tmp_path, path, intents, message):
    labels = tmp_path / "l.jsonl"
    labels.write_text(json.dumps({"intent": "Foo", "output": "Thanks!", "label": True}) + "\n")
    with pytest.raises(TypeError, match=message):
        read_labels(labels if path == "FILE" else path, intents=intents)
    assert read_labels(labels, intents={"Foo": "Be polite."})[0].requirement == "Be polite."


class _NanJudge(Judge):
    def evaluate(self, output, intent_description, threshold=None):
        return Verdict(passed=True, score=float("nan") if "nan" in output else 0.5)


def test_label_with_names_a_judge_returning_a_nan_score(tmp_path):
    store = LabelStore(tmp_path / "l.jsonl")
    with pytest.raises(LabelError, match=r"judge .* returned the score nan for output 1 \('a nan'\); a label needs a finite score"):
        label_with(_NanJudge(), ["fine", "a nan"], "Be polite.", store=store)
    assert not (tmp_path / "l.jsonl").exists() or not (tmp_path / "l.jsonl").read_text()  # nothing half-stored
    assert [e.score for e in label_with(_NanJudge(), ["fine"], "Be polite.")] == [0.5]


def test_a_cascade_whose_strong_judge_returns_nan_warns_and_still_returns_the_check(tmp_path):
    from langchain_semantix.judges.cascade import LabelWriteWarning

    class Uncertain(Judge):
        def evaluate(self, output, intent_description, threshold=None):
            return Verdict(passed=False, score=0.5)

    judge = CascadeJudge(Uncertain(), _NanJudge(), band=(0.0, 1.0), labels=tmp_path / "l.jsonl")
    with pytest.warns(LabelWriteWarning, match=r"strong judge .* returned a non-finite score \(nan\) for 1 output"):
        verdicts = judge.evaluate_batch([("fine", "Be polite."), ("a nan", "Be polite.")])
    assert [v.passed for v in verdicts] == [True, True] and verdicts[1].score != verdicts[1].score
    assert [e.output for e in judge.collected] == ["fine"] and judge.stats.labels_written == 1
    assert [e.output for e in read_labels(tmp_path / "l.jsonl")] == ["fine"]

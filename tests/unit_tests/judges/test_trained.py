"""TrainedJudge reads long outputs whole: overlapping windows, the worst decides, the verdict says so."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from langchain_semantix.judges.trained import MANIFEST_NAME, TrainedJudge
from langchain_semantix.judges.windows import split_into_windows

REQ = "The text must politely decline an invitation without being rude."
POLITE = "Thank you so much for the kind invitation, I really appreciate you thinking of me. "
RUDE_ENDING = "Now stop bothering me, you idiot."


@pytest.fixture(scope="module")
def judge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-logit classifier saved as train_judge saves it, with a 64-token window."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from langchain_semantix.judges import bundled_minilm_path

    target = tmp_path_factory.mktemp("trained")
    tokenizer = BertTokenizerFast.from_pretrained(bundled_minilm_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, num_labels=1
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    manifest = {
        "schema_version": 1,
        "id": "trained:test:0",
        "recipe": {"max_length": 64},
        "thresholds": {"global": 0.5, "requirements": {REQ: 0.4}},
    }
    (target / MANIFEST_NAME).write_text(json.dumps(manifest))
    return target


def spot_rudeness(judge: TrainedJudge) -> list[str]:
    """Give the judge a deterministic head: a window with "idiot" in it fails, any other passes."""
    seen: list[str] = []

    def predict_logits(pairs):
        seen.extend(window for _, window in pairs)
        return np.array([[-4.0] if "idiot" in window else [4.0] for _, window in pairs], dtype=np.float32)

    judge._scorer.predict_logits = predict_logits  # type: ignore[method-assign]
    return seen


def test_rude_ending_beyond_the_window_fails_and_says_so(judge_dir):
    judge = TrainedJudge(judge_dir)
    seen = spot_rudeness(judge)
    text = POLITE * 6 + RUDE_ENDING  # ~110 tokens: more than the 64 one pass reads
    verdict = judge.evaluate(text, REQ)
    assert not verdict.passed and verdict.truncated and verdict.threshold == 0.4
    assert len(verdict.window_scores) >= 2 and verdict.window_scores[-1] < 0.05 < 0.95 < verdict.window_scores[0]
    assert verdict.score == min(verdict.window_scores)
    assert "windows" in verdict.reason and "lowest" in verdict.reason
    assert RUDE_ENDING in seen[-1]
    short = judge.evaluate(POLITE, REQ)
    assert short.passed and not short.truncated and short.window_scores is None
    assert judge.scores([(text, REQ), (POLITE, REQ)]) == [verdict.score, short.score]


def test_best_window_fail_rule_and_window_limit(judge_dir):
    text = POLITE * 6 + RUDE_ENDING
    best = TrainedJudge(judge_dir, long_output="best_window")
    spot_rudeness(best)
    assert best.evaluate(text, REQ).passed
    refused = TrainedJudge(judge_dir, long_output="fail").evaluate(text, REQ)
    assert not refused.passed and refused.truncated and refused.score is None and "long_output='fail'" in refused.reason
    capped = TrainedJudge(judge_dir, max_windows=2).evaluate(POLITE * 40, REQ)
    assert not capped.passed and capped.truncated and "max_windows=2" in capped.reason


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_window_scores_are_the_models_scores_of_each_window(judge_dir, backend):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    judge = TrainedJudge(judge_dir, backend=backend)
    assert judge.backend == backend
    text = " ".join(f"Sentence number {n} says thank you but no." for n in range(12))
    verdict = judge.evaluate(text, REQ)
    tokenizer = AutoTokenizer.from_pretrained(judge_dir)
    windows = split_into_windows(text, tokenizer, judge.window_tokens(REQ), judge.window_overlap)
    model = AutoModelForSequenceClassification.from_pretrained(judge_dir).eval()
    with torch.no_grad():
        batch = tokenizer([REQ] * len(windows), windows, padding=True, return_tensors="pt")
        expected = torch.sigmoid(model(**batch).logits[:, 0]).tolist()
    assert len(windows) > 1 and verdict.window_scores == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ([1], "a JSON list, not an object"),
        ({"schema_version": 1, "thresholds": None}, "'thresholds' must be an object, got None"),
        ({"schema_version": 1, "thresholds": {"global": "abc"}}, r"'thresholds.global' must be a number in \[0, 1\], got 'abc'"),
        ({"schema_version": 1, "thresholds": {"global": float("nan")}}, r"'thresholds.global' must be a number"),
        ({"schema_version": 1, "thresholds": {"requirements": [1, 2]}}, "'thresholds.requirements' must be an object"),
        ({"schema_version": 1, "thresholds": {"requirements": {"Be kind.": "x"}}}, "the threshold of requirement 'Be kind.'"),
        ({"schema_version": 1, "recipe": {"max_length": "x"}}, "'recipe.max_length' must be a whole number >= 1, got 'x'"),
        ({"schema_version": 1, "recipe": None}, "'recipe' must be an object"),
    ],
)
def test_a_manifest_of_the_wrong_shape_is_a_judge_model_error(tmp_path, manifest, problem):
    from langchain_semantix.errors import JudgeModelError

    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(JudgeModelError, match=rf"{MANIFEST_NAME} is malformed \({problem}.*\); retrain the judge"):
        TrainedJudge(tmp_path)


def test_the_cli_reports_a_malformed_manifest_as_an_input_error(tmp_path, capsys):
    from langchain_semantix.cli import main

    labels = tmp_path / "l.jsonl"
    labels.write_text(json.dumps({"requirement": "Be polite.", "output": "Thanks", "label": True}) + "\n")
    (tmp_path / "j").mkdir()
    (tmp_path / "j" / MANIFEST_NAME).write_text("[1]")
    assert main(["judge", "eval", str(labels), "--judge", f"trained:{tmp_path / 'j'}"]) == 2
    assert "is malformed (a JSON list, not an object); retrain the judge" in capsys.readouterr().err

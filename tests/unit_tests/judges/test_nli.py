"""NLIJudge: long outputs are read whole (windows), and a missing model fails fast offline."""

from __future__ import annotations

import importlib.metadata
import shutil

import huggingface_hub
import numpy as np
import pytest
from sentence_transformers import CrossEncoder

from langchain_semantix import JudgeModelError, NLIJudge
from langchain_semantix.judges import to_hypothesis
from langchain_semantix.judges.windows import split_into_windows

REQ = "The text must politely decline an invitation without being rude."
POLITE = "Thank you so much for the kind invitation, I really appreciate you thinking of me. "
RUDE_ENDING = "Now stop bothering me, you idiot."


class RudenessSpotter(CrossEncoder):
    """The tiny cross-encoder's tokenizer and windows, with a deterministic head: a window
    containing "idiot" contradicts the politeness hypothesis, any other entails it. It returns
    logits (log-probabilities), as ``predict(apply_softmax=False)`` does."""

    def predict(self, inputs, **kwargs):  # type: ignore[override]
        self.seen = [premise for premise, _ in inputs]
        probs = np.array([[0.9, 0.05, 0.05] if "idiot" in premise else [0.05, 0.9, 0.05] for premise, _ in inputs])
        return np.log(probs)


def test_rude_ending_beyond_the_window_fails_and_says_so(tiny_nli_path):
    model = RudenessSpotter(str(tiny_nli_path))
    judge = NLIJudge(cross_encoder=model)
    text = POLITE * 40 + RUDE_ENDING  # ~700 tokens: more than the 512 the model reads
    assert len(text) < 8_000  # the old character cut never noticed this one
    verdict = judge.evaluate(text, REQ)
    assert not verdict.passed and verdict.truncated
    assert len(verdict.window_scores) >= 2 and verdict.window_scores[-1] == pytest.approx(0.05)
    assert verdict.score == min(verdict.window_scores)
    assert "windows" in verdict.reason and "lowest" in verdict.reason
    assert any(RUDE_ENDING in window for window in model.seen)
    short = judge.evaluate(POLITE, REQ)
    assert short.passed and not short.truncated and short.window_scores is None


def test_best_window_and_fail_rules(tiny_nli_path):
    text = POLITE * 40 + RUDE_ENDING
    best = NLIJudge(cross_encoder=RudenessSpotter(str(tiny_nli_path)), long_output="best_window").evaluate(text, REQ)
    assert best.passed and best.truncated and best.score == max(best.window_scores)
    refused = NLIJudge(cross_encoder=RudenessSpotter(str(tiny_nli_path)), long_output="fail").evaluate(text, REQ)
    assert not refused.passed and refused.truncated and refused.score is None
    assert "long_output='fail'" in refused.reason
    with pytest.raises(ValueError, match="long_output"):
        NLIJudge(str(tiny_nli_path), long_output="mean")


def test_window_scores_are_the_real_models_scores(tiny_nli_path):
    judge = NLIJudge(str(tiny_nli_path), max_length=48, window_overlap=8)
    text = " ".join(f"Sentence number {n} says thank you but no." for n in range(30))
    verdict = judge.evaluate(text, REQ)
    windows = split_into_windows(text, judge.tokenizer, judge.window_tokens(to_hypothesis(REQ)), 8)
    assert len(windows) == len(verdict.window_scores) > 2
    expected = CrossEncoder(str(tiny_nli_path)).predict([(w, to_hypothesis(REQ)) for w in windows], apply_softmax=True)[:, 1]
    assert verdict.window_scores == pytest.approx(list(expected), abs=1e-5)
    assert verdict.score == pytest.approx(float(expected.min()), abs=1e-5)


def test_huge_output_is_refused_not_judged_in_part(tiny_nli_path):
    verdict = NLIJudge(str(tiny_nli_path), max_windows=4).evaluate("word " * 5_000, REQ)
    assert not verdict.passed and verdict.truncated and verdict.score is None
    assert "max_windows=4" in verdict.reason


def test_missing_model_offline_fails_fast_with_commands_that_exist(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(JudgeModelError) as info:
        NLIJudge("nobody-here/no-such-nli-model")
    message = str(info.value)
    assert "no-such-nli-model" in message and "HF_HUB_OFFLINE" in message
    assert "hf download cross-encoder/nli-MiniLM2-L6-H768" in message and "huggingface-cli" not in message
    assert "SEMANTIX_NLI_MODEL" in message and "No other judge" in message
    scripts = {ep.name for ep in importlib.metadata.distribution("huggingface_hub").entry_points if ep.group == "console_scripts"}
    assert "hf" in scripts  # the command suggested is the one the installed huggingface_hub ships


def test_missing_model_without_offline_flag_asks_the_hub_once(monkeypatch):
    """No retries: the one probe fails (no network here, or the hub says no such repo)."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    calls = []
    real = huggingface_hub.get_hf_file_metadata

    def probe(url, **kwargs):
        calls.append(kwargs.get("timeout"))
        return real(url, **kwargs)

    monkeypatch.setattr(huggingface_hub, "get_hf_file_metadata", probe)
    with pytest.raises(JudgeModelError, match="did not answer") as info:
        NLIJudge("nobody-here/no-such-nli-model")
    assert calls == [5.0] and "hf download" in str(info.value)


def test_cached_hub_model_loads_without_network(monkeypatch, tmp_path, tiny_nli_path):
    snapshot = tmp_path / "models--someone--tiny-nli" / "snapshots" / "abc123"
    shutil.copytree(tiny_nli_path, snapshot)
    (tmp_path / "models--someone--tiny-nli" / "refs").mkdir()
    (tmp_path / "models--someone--tiny-nli" / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    judge = NLIJudge("someone/tiny-nli")
    assert judge.model_id == "someone/tiny-nli" and 0.0 <= judge.evaluate("No thanks.", REQ).score <= 1.0

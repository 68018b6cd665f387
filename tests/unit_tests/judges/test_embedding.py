"""EmbeddingJudge on the real all-MiniLM-L6-v2 weights: outputs past max_seq_length are read."""

from __future__ import annotations

import pytest

from langchain_semantix.demo import EMBEDDING_ANCHORS, PoliteDecline
from langchain_semantix.judges import EmbeddingJudge, bundled_minilm_path

REQ = PoliteDecline.description()
POLITE = (
    "Thank you so much for the kind invitation to the retreat, I really appreciate you thinking of me. "
    "Unfortunately I cannot attend this year. "
)
RUDE = " Honestly, no way, that sounds awful. Do not invite me again and leave me alone."


@pytest.fixture(scope="module")
def judge() -> EmbeddingJudge:
    return EmbeddingJudge(bundled_minilm_path(), anchors=EMBEDDING_ANCHORS, default_threshold=0.55)


def test_rude_ending_past_max_seq_length_is_read_and_fails(judge):
    polite_only = judge.evaluate(POLITE * 12, REQ)  # 326 word pieces: more than the 256 it reads
    assert polite_only.passed and polite_only.truncated and len(polite_only.window_scores) == 2
    with_ending = judge.evaluate(POLITE * 12 + RUDE * 3, REQ)
    assert with_ending.truncated and not with_ending.passed
    assert with_ending.score == min(with_ending.window_scores) < polite_only.score
    assert "lowest window score decides" in with_ending.reason


def test_short_output_is_one_window(judge):
    verdict = judge.evaluate(POLITE, REQ)
    assert not verdict.truncated and verdict.window_scores is None and verdict.reason is None


def test_window_score_is_the_score_of_that_text_alone(judge):
    verdict = judge.evaluate(POLITE * 12 + RUDE * 3, REQ)
    alone = judge.evaluate(POLITE * 8, REQ)  # the first window is ~this text
    assert verdict.window_scores[0] == pytest.approx(alone.score, abs=0.02)


def test_fail_rule_and_window_limit(judge):
    plain = EmbeddingJudge(bundled_minilm_path(), long_output="fail")
    refused = plain.evaluate(POLITE * 12, REQ)
    assert not refused.passed and refused.truncated and refused.score is None and "long_output='fail'" in refused.reason
    capped = EmbeddingJudge(bundled_minilm_path(), max_windows=2).evaluate(POLITE * 40, REQ)
    assert not capped.passed and "max_windows=2" in capped.reason
    best = EmbeddingJudge(bundled_minilm_path(), anchors=EMBEDDING_ANCHORS, long_output="best_window")
    assert best.evaluate(POLITE * 12 + RUDE * 3, REQ).score == pytest.approx(max(judge.evaluate(POLITE * 12 + RUDE * 3, REQ).window_scores))


def test_requirement_and_anchors_are_embedded_once(monkeypatch):
    judge = EmbeddingJudge(bundled_minilm_path(), anchors=EMBEDDING_ANCHORS)
    first = judge.evaluate(POLITE, REQ)
    encoded: list[list[str]] = []
    real = judge._model.encode
    monkeypatch.setattr(judge._model, "encode", lambda texts, **kw: encoded.append(list(texts)) or real(texts, **kw))
    again = judge.evaluate(POLITE, REQ)
    assert encoded == [[POLITE]] and again.score == pytest.approx(first.score, abs=1e-6)

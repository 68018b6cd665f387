"""judges/windows.py: cutting long outputs into token windows and turning window scores into a verdict."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from langchain_semantix.judges.windows import (
    check_rule,
    combine_window_scores,
    not_judged_verdict,
    split_into_windows,
    too_long_reason,
    windowed_verdict,
)
from langchain_semantix.testing import KeywordJudge

REQ = "The text must be polite."


class WordPieces:
    """A slow tokenizer (no offsets): every word is one token, "unbelievable" three."""

    is_fast = False

    def tokenize(self, word):
        return ["un", "##believ", "##able"] if word == "unbelievable" else [word]


def test_windows_cover_every_character_with_overlap(tiny_nli_path):
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_nli_path))
    text = " ".join(f"w{n}" for n in range(200))
    windows = split_into_windows(text, tokenizer, 40, 10)
    assert windows[0].startswith("w0 ") and windows[-1].endswith("w199")
    for left, right in zip(windows, windows[1:]):
        assert right.split()[0] in left.split()  # consecutive windows share tokens
    assert set(" ".join(windows).split()) == set(text.split())
    assert split_into_windows("short text", tokenizer, 40, 10) == ["short text"]


def test_a_slow_tokenizer_is_windowed_by_word_pieces_and_never_cuts_a_word():
    text = "one two unbelievable three four five six"  # 9 tokens
    windows = split_into_windows(text, WordPieces(), 4, 1)
    assert all(text.find(w) >= 0 for w in windows)  # slices of the original text
    assert "unbelievable" in " ".join(windows) and not any(w.endswith("unbeliev") for w in windows)
    assert windows[0].startswith("one") and windows[-1].endswith("six")


def test_a_window_too_small_to_hold_the_output_is_refused():
    with pytest.raises(ValueError, match="leaves 1 tokens for the output; raise max_length"):
        split_into_windows("a b c", WordPieces(), 1, 0)


def test_the_rule_picks_the_deciding_window():
    assert combine_window_scores([0.9, 0.2, 0.7], "worst_window") == (0.2, 1)
    assert combine_window_scores([0.9, 0.2, 0.7], "best_window") == (0.9, 0)
    assert check_rule("fail") == "fail"
    with pytest.raises(ValueError, match="long_output must be one of"):
        check_rule("average")


def test_a_windowed_verdict_reports_every_window_and_the_deciding_one():
    judge = KeywordJudge()
    verdict = windowed_verdict(
        judge,
        REQ,
        0.5,
        [0.9, 0.3],
        rule="worst_window",
        window_tokens=64,
        measure="entailment probability",
        latency_ms=1.0,
        labels=("entailment", "contradiction"),
        label_rows=[[0.9, 0.1], [0.3, 0.7]],
    )
    assert not verdict.passed and verdict.score == 0.3 and verdict.truncated and verdict.window_scores == [0.9, 0.3]
    assert "entailment probability 0.300 is below 0.500" in verdict.reason
    assert "2 overlapping windows" in verdict.reason and "window 2: 0.300" in verdict.reason
    assert verdict.label_probabilities == {"entailment": 0.3, "contradiction": 0.7}
    assert verdict.judge == judge.name and verdict.requirement == REQ


def test_an_output_that_fits_is_one_plain_verdict():
    verdict = windowed_verdict(KeywordJudge(), REQ, 0.5, [0.8], rule="worst_window", window_tokens=64, measure="score", latency_ms=0.0)
    assert verdict.passed and verdict.reason is None and not verdict.truncated and verdict.window_scores is None


def test_an_output_too_long_to_judge_fails_without_a_score_and_says_what_to_do():
    fail_rule = too_long_reason(1, 64, None, "fail")
    assert "long_output='fail'" in fail_rule and "long_output='worst_window'" in fail_rule
    assert "more than max_windows=8" in too_long_reason(12, 64, 8, "worst_window")
    verdict = not_judged_verdict(KeywordJudge(), REQ, 0.5, fail_rule)
    assert not verdict.passed and verdict.score is None and verdict.truncated and verdict.reason == fail_rule

"""CascadeJudge: who decides, how many escalations, which labels are written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from langchain_semantix import Verdict
from langchain_semantix.testing import KeywordJudge
from langchain_semantix.training.judge import CascadeJudge, read_labels
from tests.unit_tests.training.judge.test_evaluate import TableJudge

REQ = "The text must politely decline an invitation without being rude."


class CountingKeywordJudge(KeywordJudge):
    def __init__(self) -> None:
        super().__init__(fail_words=["go away"])
        self.batches: list[int] = []

    def evaluate_batch(self, pairs: Sequence[tuple[str, str]], thresholds=None) -> list[Verdict]:  # type: ignore[no-untyped-def]
        self.batches.append(len(pairs))
        return super().evaluate_batch(pairs, thresholds)


LOCAL = {"sure no": 0.1, "maybe": 0.5, "Thanks, but I can't come.": 0.9, "No. Go away.": 0.6}


def test_only_uncertain_pairs_escalate_in_one_batch(tmp_path: Path) -> None:
    strong = CountingKeywordJudge()
    judge = CascadeJudge(TableJudge(LOCAL), strong, band=(0.3, 0.7), labels=tmp_path / "labels.jsonl")
    outputs = ["sure no", "maybe", "Thanks, but I can't come.", "No. Go away."]
    verdicts = judge.evaluate_batch([(o, REQ) for o in outputs])
    assert [v.passed for v in verdicts] == [False, True, True, False]
    assert [v.judge for v in verdicts] == [None, "keyword", None, "keyword"]
    assert strong.batches == [2]
    assert (judge.stats.checks, judge.escalations, judge.stats.labels_written) == (4, 2, 2)
    assert judge.stats.escalation_rate == pytest.approx(0.5)
    stored = read_labels(tmp_path / "labels.jsonl")
    assert [(e.output, e.label, e.source) for e in stored] == [
        ("maybe", True, "judge:keyword:keywords"),
        ("No. Go away.", False, "judge:keyword:keywords"),
    ]
    assert stored[1].metadata["local_score"] == pytest.approx(0.6) and stored[1].score == pytest.approx(0.05)


def test_nothing_uncertain_asks_nothing(tmp_path: Path) -> None:
    strong = CountingKeywordJudge()
    judge = CascadeJudge(TableJudge(LOCAL), strong, band=(0.3, 0.7))
    assert judge.evaluate("Thanks, but I can't come.", REQ).passed
    assert strong.batches == [] and judge.escalations == 0 and judge.examples() == []


async def test_async_batch_escalates_like_sync() -> None:
    strong = CountingKeywordJudge()
    judge = CascadeJudge(TableJudge(LOCAL), strong, band=(0.3, 0.7))
    verdicts = await judge.aevaluate_batch([("maybe", REQ), ("sure no", REQ)])
    assert [v.passed for v in verdicts] == [True, False] and judge.escalations == 1
    assert (await judge.aevaluate("No. Go away.", REQ)).passed is False
    assert [e.output for e in judge.examples()] == ["maybe", "No. Go away."]


def test_band_is_checked() -> None:
    with pytest.raises(ValueError, match="band"):
        CascadeJudge(TableJudge({}), KeywordJudge(), band=(0.8, 0.2))

import asyncio
import threading

import pytest

from langchain_semantix import Judge, Verdict
from langchain_semantix.errors import InvalidOutputError
from langchain_semantix.judges.base import split_empty
from langchain_semantix.testing import KeywordJudge

REQ = "The text must politely decline an invitation."


class LengthJudge(Judge):
    def evaluate(self, output, intent_description, threshold=None):
        threshold = self.default_threshold if threshold is None else threshold
        score = min(len(output) / 10, 1.0)
        return Verdict(passed=score >= threshold, score=score, threshold=threshold)


async def test_user_judge_implements_evaluate_alone():
    judge = LengthJudge()
    batch = judge.evaluate_batch([("abc", REQ), ("abcdefghijk", REQ)], [0.2, 0.9])
    assert [v.passed for v in batch] == [True, True]
    assert batch[0].threshold == 0.2
    assert (await judge.aevaluate("ab", REQ)).score == pytest.approx(0.2)
    assert [v.score for v in await judge.aevaluate_batch([("a", REQ)])] == [pytest.approx(0.1)]


async def test_async_judge_does_not_block_the_event_loop():
    release = threading.Event()

    class Slow(Judge):
        def evaluate(self, output, intent_description, threshold=None):
            release.wait(5)
            return Verdict(passed=True, score=1.0)

    task = asyncio.create_task(Slow().aevaluate("x", REQ))
    await asyncio.sleep(0.01)  # the loop still runs while the judge works
    release.set()
    assert (await task).passed


def test_thresholds_length_mismatch():
    with pytest.raises(ValueError, match="2 thresholds for 1 pairs"):
        LengthJudge().evaluate_batch([("a", REQ)], [0.1, 0.2])


@pytest.mark.parametrize("bad,match", [(None, "None"), (b"hi", "decode"), (42, "must be a str")])
def test_bad_output_types(bad, match):
    with pytest.raises(TypeError, match=match):
        KeywordJudge().evaluate_batch([(bad, REQ)])


class BatchScorer(Judge):
    """A model-style judge: implements score_batch only."""

    name = "batch"

    def __init__(self) -> None:
        self.seen: list[list[tuple[str, str]]] = []

    def score_batch(self, pairs, thresholds):
        self.seen.append(list(pairs))
        return [Verdict(passed=len(o) >= 3, score=min(len(o) / 3, 1.0), threshold=t, requirement=r) for (o, r), t in zip(pairs, thresholds)]


def test_score_batch_judges_get_evaluate_and_the_empty_split_for_free():
    judge = BatchScorer()
    verdicts = judge.evaluate_batch([("abcd", REQ), ("   ", REQ), ("ab", REQ)], 0.9)
    assert [v.passed for v in verdicts] == [True, False, False]
    assert verdicts[1].reason == "The output is empty." and verdicts[1].judge == "batch"
    assert judge.seen == [[("abcd", REQ), ("ab", REQ)]]  # the model never saw the empty output
    assert judge.evaluate("abc", REQ).passed and len(judge.seen) == 2


async def test_score_batch_judges_are_async_too():
    judge = BatchScorer()
    verdicts = await judge.aevaluate_batch([("", REQ), ("abcd", REQ)])
    assert [v.passed for v in verdicts] == [False, True] and judge.seen == [[("abcd", REQ)]]
    assert (await judge.aevaluate("abcd", REQ)).passed


def test_a_judge_that_implements_nothing_says_so():
    with pytest.raises(NotImplementedError, match="evaluate"):
        Judge().evaluate("x", REQ)


def test_split_empty_checks_requirements_too():
    with pytest.raises(InvalidOutputError, match="intent_description"):
        split_empty(BatchScorer(), [("x", None)], [0.5])  # type: ignore[list-item]


class WordJudge(Judge):
    """A judge implementing evaluate() alone that would pass any empty text it was handed."""

    def evaluate(self, output, intent_description, threshold=None):
        threshold = self.default_threshold if threshold is None else threshold
        score = 0.0 if "go away" in output else 1.0
        return Verdict(passed=score >= threshold, score=score, threshold=threshold)


async def test_judges_implementing_evaluate_alone_get_the_same_checks_as_batch_judges():
    judge = WordJudge()
    for verdict in [*judge.evaluate_batch([("", REQ), ("   ", REQ)]), await judge.aevaluate("", REQ)]:
        assert not verdict.passed and verdict.score == 0.0 and verdict.reason == "The output is empty."
    assert [v.passed for v in judge.evaluate_batch([("fine", REQ), ("go away", REQ)])] == [True, False]
    with pytest.raises(ValueError, match="requirement of pairs"):
        judge.evaluate_batch([("fine", "  ")])
    with pytest.raises(TypeError, match=r"pairs\[0\] must be an \(output, requirement\) pair"):
        judge.evaluate_batch([("fine",)])  # type: ignore[list-item]
    with pytest.raises(InvalidOutputError):
        await judge.aevaluate_batch([(None, REQ)])  # type: ignore[list-item]


async def test_a_batch_judge_returning_too_few_verdicts_is_named_not_cut_short():
    class Short(Judge):
        def score_batch(self, pairs, thresholds):
            return [Verdict(passed=True, score=0.9, threshold=0.5)]

    with pytest.raises(TypeError, match=r"Short.*scored 3 pairs and returned 1 verdicts"):
        Short().evaluate_batch([("a", REQ), ("b", REQ), ("c", REQ)])
    with pytest.raises(TypeError, match="returned 1 verdicts"):
        await Short().aevaluate_batch([("a", REQ), ("", REQ), ("c", REQ)])  # an empty output is not scored

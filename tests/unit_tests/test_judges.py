import asyncio
import threading

import pytest

from langchain_semantix import CachedJudge, Judge, JudgeModelError, NLIJudge, Verdict
from langchain_semantix.judges import to_hypothesis
from langchain_semantix.judges.nli import entailment_index
from langchain_semantix.testing import KeywordJudge

REQ = "The text must politely decline an invitation."


class LengthJudge(Judge):
    def evaluate(self, output, intent_description, threshold=None):
        threshold = self.default_threshold if threshold is None else threshold
        score = min(len(output) / 10, 1.0)
        return Verdict(passed=score >= threshold, score=score, threshold=threshold)


def test_user_judge_implements_evaluate_alone():
    judge = LengthJudge()
    batch = judge.evaluate_batch([("abc", REQ), ("abcdefghijk", REQ)], [0.2, 0.9])
    assert [v.passed for v in batch] == [True, True]
    assert batch[0].threshold == 0.2
    assert asyncio.run(judge.aevaluate("ab", REQ)).score == pytest.approx(0.2)
    assert [v.score for v in asyncio.run(judge.aevaluate_batch([("a", REQ)]))] == [pytest.approx(0.1)]


def test_async_judge_does_not_block_the_event_loop():
    release = threading.Event()

    class Slow(Judge):
        def evaluate(self, output, intent_description, threshold=None):
            release.wait(5)
            return Verdict(passed=True, score=1.0)

    async def main():
        task = asyncio.create_task(Slow().aevaluate("x", REQ))
        await asyncio.sleep(0.01)  # the loop still runs while the judge works
        release.set()
        return await task

    assert asyncio.run(main()).passed


def test_thresholds_length_mismatch():
    with pytest.raises(ValueError, match="2 thresholds for 1 pairs"):
        LengthJudge().evaluate_batch([("a", REQ)], [0.1, 0.2])


def test_hypothesis():
    assert to_hypothesis("The text must politely decline an invitation.") == "Someone is politely declining an invitation."
    assert to_hypothesis("The response must not be rude.") == "Someone is not being rude."
    assert to_hypothesis("A friendly greeting.") == "A friendly greeting."


def test_entailment_index_is_read_not_assumed():
    assert entailment_index({0: "contradiction", 1: "entailment", 2: "neutral"}) == 1
    assert entailment_index({0: "ENTAILMENT", 1: "neutral"}) == 0
    assert entailment_index({0: "not_entailment", 1: "entailment"}) == 1
    with pytest.raises(JudgeModelError, match="no 'entailment' label"):
        entailment_index({0: "LABEL_0", 1: "LABEL_1"})


@pytest.mark.parametrize("bad,match", [(None, "None"), (b"hi", "decode"), (42, "must be a str")])
def test_bad_output_types(bad, match):
    with pytest.raises(TypeError, match=match):
        KeywordJudge().evaluate_batch([(bad, REQ)])


def test_cached_judge_hits_and_keys_on_threshold():
    inner = KeywordJudge(fail_words=["no"])
    judge = CachedJudge(inner, maxsize=2)
    first = judge.evaluate("fine", REQ)
    again = judge.evaluate("fine", REQ)
    assert again.cached and not first.cached and inner.calls == 1
    judge.evaluate("fine", REQ, 0.99)  # another threshold is another key
    assert inner.calls == 2
    judge.evaluate_batch([("a", REQ), ("b", REQ), ("c", REQ)])
    assert len(judge._cache) == 2  # LRU bound holds


def test_missing_model_path_is_actionable(tmp_path):
    with pytest.raises(JudgeModelError) as info:
        NLIJudge(str(tmp_path / "nowhere"))
    message = str(info.value)
    assert "nowhere" in message and "SEMANTIX_NLI_MODEL" in message and "No other judge" in message


def test_env_var_overrides_default_model(monkeypatch, tiny_nli_path):
    monkeypatch.setenv("SEMANTIX_NLI_MODEL", str(tiny_nli_path))
    assert NLIJudge().model_name == str(tiny_nli_path)

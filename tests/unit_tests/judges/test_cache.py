from langchain_semantix.judges import CachedJudge
from langchain_semantix.testing import KeywordJudge

REQ = "The text must politely decline an invitation."


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


async def test_cached_judge_async_and_identity():
    inner = KeywordJudge(fail_words=["no"])
    judge = CachedJudge(inner)
    assert judge.name == inner.name and judge.identity == inner.identity
    first = await judge.aevaluate_batch([("fine", REQ), ("no", REQ)])
    again = await judge.aevaluate("fine", REQ)
    assert [v.passed for v in first] == [True, False] and again.cached and inner.calls == 2
    judge.clear()
    judge.evaluate("fine", REQ)
    assert inner.calls == 3


def test_a_hit_returns_the_stored_verdict_without_a_copy():
    judge = CachedJudge(KeywordJudge(fail_words=["no"]))
    first = judge.evaluate("fine", REQ)
    again, third = judge.evaluate("fine", REQ), judge.evaluate("fine", REQ)
    assert third is again and again.cached and again.latency_ms == 0.0 and not first.cached
    assert (again.passed, again.score) == (first.passed, first.score) and judge.hits == 2 and judge.misses == 1


def test_the_inner_judges_own_threshold_applies():
    class Calibrated(KeywordJudge):
        def threshold_for(self, requirement):
            return 0.9 if requirement == REQ else self.default_threshold

    judge = CachedJudge(Calibrated(fail_words=["no"]))
    assert judge.evaluate("fine", REQ).threshold == 0.9 == judge.evaluate("fine", REQ).threshold
    assert judge.evaluate_batch([("fine", REQ), ("fine", "Another.")])[1].threshold == 0.5
    assert judge.threshold_for(REQ) == 0.9


def test_long_texts_are_keyed_by_digest_not_kept():
    judge = CachedJudge(KeywordJudge(fail_words=["no"]))
    long_text = "fine " * 2_000
    judge.evaluate(long_text, REQ)
    assert judge.evaluate(long_text, REQ).cached
    (key,) = judge._cache
    assert isinstance(key[1], bytes) and len(key[1]) == 32 and key[2] == REQ


def test_bad_arguments_are_named():
    import pytest

    for maxsize in ("x", None, float("nan"), 10.0, True):
        with pytest.raises(TypeError, match=f"CachedJudge's maxsize must be a whole number of verdicts >= 1 .*got {maxsize!r}"):
            CachedJudge(KeywordJudge(), maxsize=maxsize)
    for maxsize in (0, -5):
        with pytest.raises(ValueError, match=f"maxsize must be a whole number of verdicts >= 1 .*got {maxsize}"):
            CachedJudge(KeywordJudge(), maxsize=maxsize)
    with pytest.raises(TypeError, match="CachedJudge's judge must be a Judge to wrap .*got None"):
        CachedJudge(None)
    assert CachedJudge(KeywordJudge(), maxsize=1).maxsize == 1

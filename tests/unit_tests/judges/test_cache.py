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

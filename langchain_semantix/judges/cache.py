"""A caching wrapper: identical (judge, output, requirement, threshold) is scored once."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from langchain_semantix.errors import require_threshold
from langchain_semantix.judges.base import Judge, Verdict

__all__ = ["CachedJudge"]


#: Texts up to this many characters are kept as they are in the key (hashing a str is cached
#: on the object and cheap); longer ones are replaced by a SHA-256 digest, so large outputs do
#: not stay in memory.
_INLINE_KEY_CHARS = 2048
_Key = tuple[str, str | bytes, str | bytes, float]


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _text_key(text: str) -> str | bytes:
    return text if len(text) <= _INLINE_KEY_CHARS else _digest(text)


class CachedJudge(Judge):
    """Wraps any judge with an in-memory LRU cache of verdicts.

    Keys are (judge identity, output, requirement, threshold), with outputs and requirements
    longer than 2,048 characters replaced by their SHA-256 digest so large outputs do not stay
    in memory. A hit is a dictionary look-up returning the stored verdict (``cached=True``,
    ``latency_ms=0``): no model, no tokenising, no new object. Misses in a batch go to the inner
    judge in one :meth:`evaluate_batch` call. Texts, thresholds and empty outputs are checked
    and answered as every judge does (:class:`Judge`); empty outputs are never cached. With no threshold given, the inner judge's own
    (:meth:`Judge.threshold_for`) applies, so a trained judge keeps its per-requirement thresholds.

    Example:
        .. code-block:: python

            judge = CachedJudge(NLIJudge(), maxsize=50_000)
            judge.evaluate(text, requirement)   # scored
            judge.evaluate(text, requirement)   # from the cache, verdict.cached is True
    """

    def __init__(self, judge: Judge, *, maxsize: int = 10_000) -> None:
        if not isinstance(judge, Judge):
            raise TypeError(f"CachedJudge's judge must be a Judge to wrap (e.g. CachedJudge(NLIJudge())), got {judge!r:.80}")
        if isinstance(maxsize, bool) or not isinstance(maxsize, int):
            raise TypeError(f"CachedJudge's maxsize must be a whole number of verdicts >= 1 (e.g. maxsize=50_000), got {maxsize!r}")
        if maxsize < 1:
            raise ValueError(f"CachedJudge's maxsize must be a whole number of verdicts >= 1 (e.g. maxsize=50_000), got {maxsize!r}")
        self.judge = judge
        self.maxsize = maxsize
        self.default_threshold = judge.default_threshold
        self.hits = 0
        self.misses = 0
        self._cache: OrderedDict[_Key, Verdict] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.judge.name

    @property
    def model_id(self) -> str | None:
        return self.judge.model_id

    @property
    def identity(self) -> str:
        return self.judge.identity

    def threshold_for(self, requirement: str) -> float:
        return self.judge.threshold_for(requirement)

    def clear(self) -> None:
        """Drop every cached verdict."""
        with self._lock:
            self._cache.clear()

    def _lookup(self, key: _Key) -> Verdict | None:
        # No lock: a dict look-up and move_to_end are atomic; an entry evicted in between is
        # still a correct verdict to return.
        hit = self._cache.get(key)
        if hit is not None:
            try:
                self._cache.move_to_end(key)
            except KeyError:
                pass
            self.hits += 1
        return hit

    def evaluate(self, output: str, intent_description: str, threshold: float | None = None) -> Verdict:
        if type(output) is str and type(intent_description) is str:  # the hot path: one tuple, one look-up
            limit = self.judge.threshold_for(intent_description) if threshold is None else require_threshold(threshold)
            key = (
                self.judge.identity,
                output if len(output) <= _INLINE_KEY_CHARS else _digest(output),
                intent_description if len(intent_description) <= _INLINE_KEY_CHARS else _digest(intent_description),
                limit,
            )
            hit = self._lookup(key)
            if hit is not None:
                return hit
        return super().evaluate(output, intent_description, threshold)

    def _look_up_all(
        self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]
    ) -> tuple[list[_Key], list[Verdict | None], list[int]]:
        """Every pair's key, its cached verdict (``None`` on a miss), and the indices of the misses."""
        identity = self.judge.identity
        keys = [(identity, _text_key(o), _text_key(d), t) for (o, d), t in zip(pairs, thresholds)]
        results: list[Verdict | None] = [self._lookup(key) for key in keys]
        return keys, results, [i for i, r in enumerate(results) if r is None]

    def _store(self, keys: Sequence[_Key], results: list[Verdict | None], misses: Sequence[int], fresh: Sequence[Verdict]) -> list[Verdict]:
        with self._lock:
            self.misses += len(misses)
            for i, verdict in zip(misses, fresh):
                results[i] = verdict
                self._cache[keys[i]] = verdict.model_copy(update={"cached": True, "latency_ms": 0.0})
                self._cache.move_to_end(keys[i])
            while len(self._cache) > self.maxsize:
                self._cache.popitem(last=False)
        return [r for r in results if r is not None]

    def score_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        """Cached verdicts for the hits; the misses from the inner judge, in one batch."""
        keys, results, misses = self._look_up_all(pairs, thresholds)
        fresh = self.judge.evaluate_batch([pairs[i] for i in misses], [thresholds[i] for i in misses]) if misses else []
        return self._store(keys, results, misses, fresh)

    async def ascore_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        """:meth:`score_batch` with the inner judge's async batch for the misses."""
        keys, results, misses = self._look_up_all(pairs, thresholds)
        fresh = await self.judge.aevaluate_batch([pairs[i] for i in misses], [thresholds[i] for i in misses]) if misses else []
        return self._store(keys, results, misses, fresh)

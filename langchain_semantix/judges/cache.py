"""A caching wrapper: identical (judge, output, requirement, threshold) is scored once."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from langchain_semantix.judges.base import Judge, Verdict, check_text

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
    judge in one :meth:`evaluate_batch` call. With no threshold given, the inner judge's own
    (:meth:`Judge.threshold_for`) applies, so a trained judge keeps its per-requirement thresholds.

    Example:
        .. code-block:: python

            judge = CachedJudge(NLIJudge(), maxsize=50_000)
            judge.evaluate(text, requirement)   # scored
            judge.evaluate(text, requirement)   # from the cache, verdict.cached is True
    """

    def __init__(self, judge: Judge, *, maxsize: int = 10_000) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
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
            limit = self.judge.threshold_for(intent_description) if threshold is None else float(threshold)
            key = (
                self.judge.identity,
                output if len(output) <= _INLINE_KEY_CHARS else _digest(output),
                intent_description if len(intent_description) <= _INLINE_KEY_CHARS else _digest(intent_description),
                limit,
            )
            hit = self._lookup(key)
            if hit is not None:
                return hit
        return self.evaluate_batch([(output, intent_description)], threshold)[0]

    def evaluate_batch(
        self,
        pairs: Sequence[tuple[str, str]],
        thresholds: float | Sequence[float | None] | None = None,
    ) -> list[Verdict]:
        texts = [(check_text(o), check_text(d, what="intent_description")) for o, d in pairs]
        given = [thresholds] * len(pairs) if thresholds is None or isinstance(thresholds, (int, float)) else list(thresholds)
        if len(given) != len(pairs):
            raise ValueError(f"got {len(given)} thresholds for {len(pairs)} pairs; pass one value or one per pair")
        limits = [self.judge.threshold_for(d) if t is None else float(t) for (_, d), t in zip(texts, given)]
        identity = self.judge.identity
        keys = [(identity, _text_key(o), _text_key(d), t) for (o, d), t in zip(texts, limits)]
        results: list[Verdict | None] = [self._lookup(key) for key in keys]
        misses = [i for i, r in enumerate(results) if r is None]
        if misses:
            fresh = self.judge.evaluate_batch([pairs[i] for i in misses], [limits[i] for i in misses])
            with self._lock:
                self.misses += len(misses)
                for i, verdict in zip(misses, fresh):
                    results[i] = verdict
                    self._cache[keys[i]] = verdict.model_copy(update={"cached": True, "latency_ms": 0.0})
                    self._cache.move_to_end(keys[i])
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return [r for r in results if r is not None]

"""A caching wrapper: identical (judge, output, requirement, threshold) is scored once."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from langchain_semantix.judges.base import Judge, Verdict, check_text, resolve_thresholds

__all__ = ["CachedJudge"]


class CachedJudge(Judge):
    """Wraps any judge with an in-memory LRU cache of verdicts.

    Keys are SHA-256 digests of (judge identity, output, requirement, threshold), so
    large outputs do not stay in memory. Misses in a batch go to the inner judge in
    one :meth:`evaluate_batch` call.

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
        self._cache: OrderedDict[bytes, Verdict] = OrderedDict()
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

    def _key(self, output: str, requirement: str, threshold: float) -> bytes:
        digest = hashlib.sha256()
        for part in (self.judge.identity, output, requirement, repr(threshold)):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
        return digest.digest()

    def clear(self) -> None:
        """Drop every cached verdict."""
        with self._lock:
            self._cache.clear()

    def evaluate_batch(
        self,
        pairs: Sequence[tuple[str, str]],
        thresholds: float | Sequence[float | None] | None = None,
    ) -> list[Verdict]:
        limits = resolve_thresholds(thresholds, len(pairs), self.default_threshold)
        keys = [self._key(check_text(o), check_text(d, what="intent_description"), t) for (o, d), t in zip(pairs, limits)]
        results: list[Verdict | None] = [None] * len(pairs)
        with self._lock:
            for i, key in enumerate(keys):
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    results[i] = hit.model_copy(update={"cached": True, "latency_ms": 0.0})
        misses = [i for i, r in enumerate(results) if r is None]
        self.hits += len(pairs) - len(misses)
        self.misses += len(misses)
        if misses:
            fresh = self.judge.evaluate_batch([pairs[i] for i in misses], [limits[i] for i in misses])
            with self._lock:
                for i, verdict in zip(misses, fresh):
                    results[i] = verdict
                    self._cache[keys[i]] = verdict
                    self._cache.move_to_end(keys[i])
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return [r for r in results if r is not None]

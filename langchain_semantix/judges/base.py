"""The judge protocol: score one output against one plain-English requirement."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import ClassVar

from langchain_core.runnables.config import run_in_executor
from pydantic import BaseModel, ConfigDict, Field

from langchain_semantix.errors import require_text, require_threshold

__all__ = [
    "Judge",
    "Verdict",
    "check_text",
    "check_pairs",
    "expand_thresholds",
    "resolve_thresholds",
    "empty_output_verdict",
    "split_empty",
]

Thresholds = float | Sequence[float | None] | None


class Verdict(BaseModel):
    """The outcome of judging one output against one requirement (or a composite).

    Besides the semantix-ai fields (``passed``, ``score``, ``reason``) it carries the
    provenance calibration needs later: which judge and model scored it, the label
    probabilities where the judge has them, and how long it took.
    """

    model_config = ConfigDict(frozen=True)

    passed: bool
    score: float | None = None
    threshold: float | None = None
    reason: str | None = None
    judge: str | None = None
    model: str | None = None
    label_probabilities: dict[str, float] | None = None
    latency_ms: float | None = None
    #: Name of the intent (set when an Intent was judged, not a raw requirement).
    intent: str | None = None
    requirement: str | None = None
    #: ``True`` for a composite's negated clause (``~A``): it passes when ``A`` fails.
    negated: bool = False
    #: Clause verdicts of a composite intent, in clause order.
    clauses: list[Verdict] = Field(default_factory=list)
    cached: bool = False
    #: ``True`` when the output was longer than the model reads in one pass (see judges/windows.py).
    truncated: bool = False
    #: One score per overlapping window of a long output, in text order; ``None`` when it fit.
    window_scores: list[float] | None = None

    def failing_clauses(self) -> list[Verdict]:
        """The single-clause verdicts responsible for a failure (empty when passed)."""
        if self.passed:
            return []
        if not self.clauses:
            return [self]
        failing: list[Verdict] = []
        for clause in self.clauses:
            if clause.negated:
                # ``~A`` fails exactly when A holds, so the A that passed is the culprit.
                if clause.passed:
                    failing.append(clause)
            else:
                failing.extend(clause.failing_clauses())
        return failing


#: The judges' name for :func:`~langchain_semantix.errors.require_text` - the same function, not a wrapper.
check_text = require_text


def expand_thresholds(thresholds: Thresholds, n: int) -> list[float | None]:
    """Expand ``thresholds`` (one value, one per pair, or ``None``) to ``n`` entries, each
    ``None`` or checked to be a number from 0 to 1."""
    if thresholds is None:
        return [None] * n
    if isinstance(thresholds, (int, float)):
        return [require_threshold(thresholds)] * n
    if type(thresholds) is not list and (isinstance(thresholds, (str, bytes)) or not isinstance(thresholds, Sequence)):
        raise TypeError(f"threshold must be a number from 0 to 1 or one per pair (a list), got {thresholds!r:.80}")
    values = [None if t is None else require_threshold(t) for t in thresholds]
    if len(values) != n:
        raise ValueError(f"got {len(values)} thresholds for {n} pairs; pass one value or one per pair")
    return values


def resolve_thresholds(thresholds: Thresholds, n: int, default: float) -> list[float]:
    """Expand ``thresholds`` (one value, one per pair, or ``None``) to ``n`` floats, each
    checked to be a number from 0 to 1; ``default`` fills the ``None`` entries."""
    return [default if t is None else t for t in expand_thresholds(thresholds, n)]


def check_pairs(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every ``(output, requirement)`` pair checked: both texts, and a requirement that is not blank."""
    try:
        numbered = enumerate(pairs)
    except TypeError:
        raise TypeError(f"pairs must be a list of (output, requirement) pairs, got {pairs!r:.80}") from None
    checked: list[tuple[str, str]] = []
    for i, pair in numbered:
        try:
            output, requirement = pair
        except (TypeError, ValueError):
            raise TypeError(f"pairs[{i}] must be an (output, requirement) pair, got {pair!r:.80}") from None
        requirement = require_text(requirement, what="intent_description")
        if not requirement or requirement.isspace():  # as strip() tests, without copying the text
            raise ValueError(f"the requirement of pairs[{i}] is empty; write the requirement the output must satisfy")
        checked.append((require_text(output), requirement))
    return checked


def empty_output_verdict(judge: Judge, requirement: str, threshold: float) -> Verdict:
    """An empty or blank output satisfies no requirement; no model is asked."""
    return Verdict(
        passed=False,
        score=0.0,
        threshold=threshold,
        reason="The output is empty.",
        judge=judge.name,
        model=judge.model_id,
        requirement=requirement,
    )


def split_empty(judge: Judge, pairs: Sequence[tuple[str, str]], limits: Sequence[float]) -> tuple[list[Verdict | None], list[int]]:
    """Check every pair (:func:`check_pairs`); give empty outputs their failing verdict without a model.

    Returns ``(verdicts, live)``: ``verdicts[i]`` is set for empty outputs and ``None``
    for the pairs at the indices in ``live``, which still need scoring.
    """
    return _split_checked(judge, check_pairs(pairs), limits)


def _split_checked(judge: Judge, checked: Sequence[tuple[str, str]], limits: Sequence[float]) -> tuple[list[Verdict | None], list[int]]:
    verdicts: list[Verdict | None] = [None] * len(checked)
    live: list[int] = []
    for i, (output, requirement) in enumerate(checked):
        if output and not output.isspace():
            live.append(i)
        else:
            verdicts[i] = empty_output_verdict(judge, requirement, limits[i])
    return verdicts, live


class Judge:
    """Decides whether an output satisfies a plain-English requirement.

    Subclass it and implement :meth:`evaluate` alone — batching and the async methods
    are derived. A judge backed by a model implements :meth:`score_batch` instead
    (and :meth:`ascore_batch` when it has a native async path): the base checks the
    texts (a blank requirement is an error) and the thresholds (:meth:`thresholds_for`),
    fails empty outputs without asking the model, and derives :meth:`evaluate`,
    :meth:`evaluate_batch` and the async methods from it. Judges that read long outputs in
    windows build on :class:`~langchain_semantix.judges.windows.WindowedJudge`.

    Example:
        .. code-block:: python

            from langchain_semantix import Judge, Verdict

            class LengthJudge(Judge):
                def evaluate(self, output, intent_description, threshold=None):
                    threshold = self.default_threshold if threshold is None else threshold
                    score = min(len(output) / 100, 1.0)
                    return Verdict(passed=score >= threshold, score=score, threshold=threshold)
    """

    #: Threshold used when neither the call nor the Intent sets one.
    default_threshold: float = 0.5
    name: ClassVar[str] = "judge"

    @property
    def model_id(self) -> str | None:
        """The model behind the judge, for provenance (``None`` for rule-based judges)."""
        return None

    def threshold_for(self, requirement: str) -> float:
        """The pass mark this judge uses for ``requirement`` when neither the call nor the
        Intent sets one: :attr:`default_threshold`, unless the judge was calibrated per
        requirement (a trained judge carries its own thresholds)."""
        return self.default_threshold

    @property
    def identity(self) -> str:
        """A stable string naming the judge and its model, used as a cache key."""
        return f"{type(self).__qualname__}:{self.model_id}"

    @property
    def _scores_in_batches(self) -> bool:
        return type(self).score_batch is not Judge.score_batch

    def evaluate(self, output: str, intent_description: str, threshold: float | None = None) -> Verdict:
        """Judge one output against one requirement (semantix-ai's signature).

        Implement this, or :meth:`score_batch`; by default it is one :meth:`evaluate_batch` pair.
        """
        if not self._scores_in_batches and type(self).evaluate_batch is Judge.evaluate_batch:
            raise NotImplementedError(f"{type(self).__name__} must implement evaluate() or score_batch()")
        return self.evaluate_batch([(output, intent_description)], threshold)[0]

    def score_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        """Hook for model-backed judges: score non-empty, checked pairs in one pass.

        ``thresholds`` holds one checked pass mark per pair; return one verdict per pair, in order."""
        raise NotImplementedError

    async def ascore_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        """Async :meth:`score_batch`; by default the sync one in a worker thread."""
        return await run_in_executor(None, functools.partial(self.score_batch, list(pairs), list(thresholds)))

    def thresholds_for(self, requirements: Sequence[str], thresholds: Thresholds = None) -> list[float]:
        """One checked pass mark per requirement: the one given, else :meth:`threshold_for`'s."""
        given = expand_thresholds(thresholds, len(requirements))
        return [self.threshold_for(r) if t is None else t for r, t in zip(requirements, given)]

    def _checked_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Thresholds) -> tuple[list[tuple[str, str]], list[float]]:
        """The pairs and one pass mark per pair, checked: what every batch call does first."""
        checked = check_pairs(pairs)
        return checked, self.thresholds_for([r for _, r in checked], thresholds)

    def _filled(self, verdicts: list[Verdict | None], live: Sequence[int], scored: Sequence[Verdict]) -> list[Verdict]:
        if type(scored) is not list and not isinstance(scored, Sequence) or len(scored) != len(live):
            got = f"{len(scored)} verdicts" if isinstance(scored, Sequence) else type(scored).__name__
            raise TypeError(f"{self!r} scored {len(live)} pairs and returned {got}; score_batch returns one Verdict per pair, in order")
        if len(live) == len(verdicts):  # no empty output: the scored verdicts are all of them
            return list(scored)
        for i, verdict in zip(live, scored):
            verdicts[i] = verdict
        return [v for v in verdicts if v is not None]

    def evaluate_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Thresholds = None) -> list[Verdict]:
        """Judge many ``(output, intent_description)`` pairs; one verdict per pair, in order."""
        return self._evaluate_checked(*self._checked_batch(pairs, thresholds))

    def _evaluate_checked(self, checked: Sequence[tuple[str, str]], limits: Sequence[float]) -> list[Verdict]:
        """:meth:`evaluate_batch` of pairs and pass marks already checked (an
        :class:`~langchain_semantix.scoring.IntentScorer`'s are): empty outputs fail
        without the model, the others are scored."""
        verdicts, live = _split_checked(self, checked, limits)
        if not live:
            scored: list[Verdict] = []
        elif self._scores_in_batches:
            scored = self.score_batch([checked[i] for i in live], [limits[i] for i in live])
        else:  # a judge implementing evaluate() alone: the same checks, then one call per pair
            scored = [self.evaluate(*checked[i], limits[i]) for i in live]
        return self._filled(verdicts, live, scored)

    async def aevaluate(self, output: str, intent_description: str, threshold: float | None = None) -> Verdict:
        """Async :meth:`evaluate`; model work runs off the event loop."""
        return (await self.aevaluate_batch([(output, intent_description)], threshold))[0]

    async def aevaluate_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Thresholds = None) -> list[Verdict]:
        """Async :meth:`evaluate_batch`; one model pass, off the event loop."""
        if not self._scores_in_batches:
            return await run_in_executor(None, functools.partial(self.evaluate_batch, list(pairs), thresholds))
        return await self._aevaluate_checked(*self._checked_batch(pairs, thresholds))

    async def _aevaluate_checked(self, checked: Sequence[tuple[str, str]], limits: Sequence[float]) -> list[Verdict]:
        """Async :meth:`_evaluate_checked`."""
        if not self._scores_in_batches:
            return await run_in_executor(None, functools.partial(self._evaluate_checked, checked, limits))
        verdicts, live = _split_checked(self, checked, limits)
        scored = await self.ascore_batch([checked[i] for i in live], [limits[i] for i in live]) if live else []
        return self._filled(verdicts, live, scored)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model_id!r})"

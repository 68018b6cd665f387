"""Scoring: intents x outputs -> verdicts in one judge batch.

Composite intents are split into their clauses (each distinct clause is scored once
per output) and the clause verdicts combined again. Every verdict that leaves this
module carries the intent's name, its requirement and the threshold it was judged
against, whatever the judge filled in — feedback is built from those fields.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

from langchain_semantix.errors import SCORE_TOLERANCE, JudgeReplyError, require_threshold
from langchain_semantix.intents import Intent, as_intent_list, leaf_intents
from langchain_semantix.judges.base import Judge, Verdict, check_text

__all__ = [
    "IntentScorer",
    "judge_intents",
    "ajudge_intents",
    "default_judge",
    "threshold_for",
    "check_judge",
    "check_thresholds",
]

Thresholds = Mapping[str, float]
_DEFAULT_JUDGE: Judge | None = None


def default_judge() -> Judge:
    """The judge used when none is given: the one ``$SEMANTIX_JUDGE`` names (a spec such as
    ``trained:judges/v1``, see :func:`~langchain_semantix.judges.load_judge`), else
    :class:`NLIJudge` on its default model (``$SEMANTIX_NLI_MODEL`` to change it).

    Loaded once per process on first use. Raises :class:`JudgeModelError` with the
    fixes when the model is not available; never falls back to another judge.
    """
    global _DEFAULT_JUDGE
    if _DEFAULT_JUDGE is None:
        from langchain_semantix.judges.specs import JUDGE_ENV_VAR, load_judge

        _DEFAULT_JUDGE = load_judge(os.environ.get(JUDGE_ENV_VAR) or "nli")
    return _DEFAULT_JUDGE


def threshold_for(intent: type[Intent], judge: Judge, overrides: Thresholds | None = None) -> float:
    """Pass mark for a single-clause intent: calibrated override, class value, the judge's
    own threshold for that requirement."""
    if overrides and intent.__name__ in overrides:
        return require_threshold(overrides[intent.__name__], what=f"thresholds[{intent.__name__!r}]")
    if intent.threshold is not None:  # checked at class creation, but it may have been reassigned since
        return require_threshold(intent.threshold, what=f"{intent.__name__}.threshold")
    return require_threshold(judge.threshold_for(intent.description()), what=f"{judge!r}'s threshold for {intent.__name__}")


def check_judge(judge: object) -> Judge | None:
    """``judge`` if it is a :class:`Judge` or ``None`` (the default judge); else a ``TypeError`` with the fix."""
    if judge is None or isinstance(judge, Judge):
        return judge
    hint = f"; to name one by spec use load_judge({judge!r})" if isinstance(judge, str) else ""
    raise TypeError(
        f"judge must be a Judge (e.g. NLIJudge(), EmbeddingJudge(), LLMJudge(model)) or None for the default, got {judge!r:.80}{hint}"
    )


def check_thresholds(thresholds: object) -> dict[str, float] | None:
    """``{intent name: threshold}`` checked (numbers from 0 to 1), or ``None``."""
    if thresholds is None:
        return None
    if not isinstance(thresholds, Mapping):
        raise TypeError(
            f"thresholds must map intent names to pass marks, e.g. {{'PoliteDecline': 0.7}} "
            f"(load_thresholds(path) returns one), got {thresholds!r:.80}"
        )
    return {str(name): require_threshold(value, what=f"thresholds[{name!r}]") for name, value in thresholds.items()}


def _checked_verdicts(judge: Judge, verdicts: Sequence[Verdict], expected: int) -> Sequence[Verdict]:
    """The judge's verdicts, checked: one :class:`Verdict` per pair, each score ``None`` or
    a number from 0 to 1 (a NaN or out-of-range score would pass into thresholds and
    training data unnoticed)."""
    if type(verdicts) is not list and not isinstance(verdicts, Sequence):
        raise TypeError(
            f"{judge!r} returned {type(verdicts).__name__} for {expected} pairs; a judge returns a list of one Verdict per pair, in order"
        )
    if len(verdicts) != expected or not all(isinstance(v, Verdict) for v in verdicts):
        got = f"{len(verdicts)} items" if len(verdicts) != expected else "items that are not Verdicts"
        raise TypeError(f"{judge!r} returned {got} for {expected} pairs; a judge returns one Verdict per pair, in order")
    for i, verdict in enumerate(verdicts):
        if verdict.score is not None and not -SCORE_TOLERANCE <= verdict.score <= 1.0 + SCORE_TOLERANCE:  # NaN fails this too
            raise JudgeReplyError(
                f"{judge!r} returned the score {verdict.score!r} for pair {i}; a judge's score is a number from 0 to 1 "
                "(or None): fix the judge's scoring, e.g. clamp it or map it into [0, 1]"
            )
    return verdicts


def _combine(intent: type[Intent], leaves: Mapping[type[Intent], Verdict]) -> Verdict:
    if intent._kind is None:
        return leaves[intent]
    parts = [_combine(child, leaves) for child in intent._children]
    scores = [p.score for p in parts if p.score is not None]
    thresholds = [p.threshold for p in parts if p.threshold is not None]
    if intent._kind == "all":
        passed, score = all(p.passed for p in parts), min(scores, default=None)
        threshold = min(thresholds, default=None)
    elif intent._kind == "any":
        passed, score = any(p.passed for p in parts), max(scores, default=None)
        threshold = min(thresholds, default=None)
    else:  # "not"
        inner = parts[0]
        passed, score = not inner.passed, None if inner.score is None else 1.0 - inner.score
        threshold = None if inner.threshold is None else 1.0 - inner.threshold
        parts = [inner.model_copy(update={"negated": True})]
    failing = [] if passed else [c for p in parts for c in p.failing_clauses()] or parts
    return Verdict(
        passed=passed,
        score=score,
        threshold=threshold,
        reason=None if passed else "; ".join(f"{c.intent}: {c.reason or 'failed'}" for c in failing),
        judge=parts[0].judge,
        model=parts[0].model,
        latency_ms=sum(p.latency_ms or 0.0 for p in parts),
        intent=intent.__name__,
        requirement=intent.description(),
        clauses=parts,
    )


class IntentScorer:
    """Judges outputs against a fixed list of intents; built once per driver.

    The clause walk and the requirements are worked out once, not per call; the
    thresholds too, until an Intent's ``threshold`` changes (e.g. ``apply_calibration``). ``judge=None`` means :func:`default_judge`, loaded on first use.

    Example:
        .. code-block:: python

            scorer = IntentScorer([PoliteDecline, MentionsDate], judge=judge)
            [[polite, date]] = scorer.score(["Thanks, but I can't on Monday."])
    """

    def __init__(
        self,
        intents: type[Intent] | Sequence[type[Intent]],
        judge: Judge | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.intents = as_intent_list(intents)
        self._judge = check_judge(judge)
        self.thresholds = check_thresholds(thresholds) or None
        self.leaves = list(dict.fromkeys(leaf for intent in self.intents for leaf in leaf_intents(intent)))
        self._requirements = [leaf.description() for leaf in self.leaves]
        # Thresholds are cached per value of the leaves' ``threshold`` attributes, so a
        # calibration applied to an Intent after first use (apply_calibration) takes effect.
        self._limits: tuple[tuple[float | None, ...], list[float]] | None = None

    @property
    def judge(self) -> Judge:
        """The judge in use (the default NLI judge when none was given)."""
        return self._judge or default_judge()

    def _current_limits(self) -> list[float]:
        key = tuple(leaf.threshold for leaf in self.leaves)
        if self._limits is None or self._limits[0] != key:
            self._limits = (key, [threshold_for(leaf, self.judge, self.thresholds) for leaf in self.leaves])
        return self._limits[1]

    def _plan(self, outputs: Iterable[str]) -> tuple[list[tuple[str, str]], list[float], int]:
        limits = self._current_limits()
        if isinstance(outputs, (str, bytes)) or not hasattr(outputs, "__iter__"):
            raise TypeError(f"outputs must be a list of texts; to judge one text pass [text], got {outputs!r:.80}")
        texts = [check_text(output) for output in outputs]
        pairs = [(text, requirement) for text in texts for requirement in self._requirements]
        return pairs, limits * len(texts), len(texts)

    def _assemble(self, count: int, verdicts: Sequence[Verdict], limits: Sequence[float]) -> list[list[Verdict]]:
        width = len(self.leaves)
        if width == 1 and self.intents == self.leaves:  # one single-clause intent: one verdict per output, stamped
            name, requirement = self.leaves[0].__name__, self._requirements[0]
            return [[v.model_copy(update={"intent": name, "requirement": requirement, "threshold": t})] for v, t in zip(verdicts, limits)]
        result = []
        for n in range(count):
            stamped = {
                leaf: verdict.model_copy(update={"intent": leaf.__name__, "requirement": requirement, "threshold": limit})
                for leaf, requirement, verdict, limit in zip(self.leaves, self._requirements, verdicts[n * width : (n + 1) * width], limits)
            }
            result.append([_combine(intent, stamped) for intent in self.intents])
        return result

    def score(self, outputs: Sequence[str]) -> list[list[Verdict]]:
        """``result[output_index][intent_index]``, from one ``evaluate_batch`` call."""
        pairs, limits, count = self._plan(outputs)
        judge = self.judge
        if _checks_as_the_base(judge, judge.evaluate_batch, Judge.evaluate_batch):
            verdicts = judge._evaluate_checked(pairs, limits)  # the base's checks of pairs and pass marks: _plan did them
        else:  # a judge's own (or one wrapped on the instance)
            verdicts = judge.evaluate_batch(pairs, limits)
        return self._assemble(count, _checked_verdicts(judge, verdicts, len(pairs)), limits)

    async def ascore(self, outputs: Sequence[str]) -> list[list[Verdict]]:
        """Async :meth:`score` (one ``aevaluate_batch`` call, off the event loop)."""
        pairs, limits, count = self._plan(outputs)
        judge = self.judge
        if _checks_as_the_base(judge, judge.aevaluate_batch, Judge.aevaluate_batch):
            verdicts = await judge._aevaluate_checked(pairs, limits)
        else:
            verdicts = await judge.aevaluate_batch(pairs, limits)
        return self._assemble(count, _checked_verdicts(judge, verdicts, len(pairs)), limits)


def _checks_as_the_base(judge: Judge, method: object, base: object) -> bool:
    """Whether ``judge``'s bound batch ``method`` and its ``thresholds_for`` are the base's own
    (not overridden, nor replaced on the instance): then pairs and pass marks the scorer
    checked need no second check."""
    return getattr(method, "__func__", None) is base and getattr(judge.thresholds_for, "__func__", None) is Judge.thresholds_for


def judge_intents(
    judge: Judge,
    outputs: Sequence[str],
    intents: Sequence[type[Intent]],
    thresholds: Thresholds | None = None,
) -> list[list[Verdict]]:
    """Judge every output against every intent with a single ``evaluate_batch`` call.

    Returns ``result[output_index][intent_index]``. Composite intents are split into
    their clauses; each distinct clause is scored once per output.
    """
    if not intents:
        raise ValueError("pass at least one Intent to judge against")
    return IntentScorer(intents, judge, thresholds).score(outputs)


async def ajudge_intents(
    judge: Judge,
    outputs: Sequence[str],
    intents: Sequence[type[Intent]],
    thresholds: Thresholds | None = None,
) -> list[list[Verdict]]:
    """Async :func:`judge_intents`."""
    if not intents:
        raise ValueError("pass at least one Intent to judge against")
    return await IntentScorer(intents, judge, thresholds).ascore(outputs)

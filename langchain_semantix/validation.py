"""Judge Intents (single or composite) against outputs, in one judge pass."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from langchain_semantix.intents import Intent, leaf_intents
from langchain_semantix.judges.base import Judge, Verdict, check_text

__all__ = ["judge_intents", "ajudge_intents", "default_judge", "threshold_for"]

Thresholds = Mapping[str, float]


def default_judge() -> Judge:
    """The judge used when none is given: :class:`NLIJudge` on its default model.

    Loaded once per process on first use. Raises :class:`JudgeModelError` with the
    fixes when the model is not available; never falls back to another judge.
    """
    global _DEFAULT_JUDGE
    if _DEFAULT_JUDGE is None:
        from langchain_semantix.judges.nli import NLIJudge

        _DEFAULT_JUDGE = NLIJudge(os.environ.get("SEMANTIX_NLI_MODEL") or None)
    return _DEFAULT_JUDGE


_DEFAULT_JUDGE: Judge | None = None


def threshold_for(intent: type[Intent], judge: Judge, overrides: Thresholds | None = None) -> float:
    """Pass mark for a single-clause intent: calibrated override, class value, judge default."""
    if overrides and intent.__name__ in overrides:
        return float(overrides[intent.__name__])
    if intent.threshold is not None:
        return float(intent.threshold)
    return judge.default_threshold


def _combine(intent: type[Intent], leaves: Mapping[type[Intent], Verdict]) -> Verdict:
    if intent._kind is None:
        return leaves[intent].model_copy(update={"intent": intent.__name__})
    parts = [_combine(child, leaves) for child in intent._children]
    scores = [p.score for p in parts if p.score is not None]
    if intent._kind == "all":
        passed = all(p.passed for p in parts)
        score = min(scores) if scores else None
    elif intent._kind == "any":
        passed = any(p.passed for p in parts)
        score = max(scores) if scores else None
    else:  # "not"
        inner = parts[0]
        passed = not inner.passed
        score = None if inner.score is None else 1.0 - inner.score
        parts = [inner.model_copy(update={"negated": True})]
    thresholds = [p.threshold for p in parts if p.threshold is not None]
    failing = [] if passed else [c for p in parts for c in p.failing_clauses()] or parts
    return Verdict(
        passed=passed,
        score=score,
        threshold=(1.0 - thresholds[0]) if intent._kind == "not" and thresholds else (
            min(thresholds) if thresholds else None
        ),
        reason=None if passed else "; ".join(
            f"{c.intent}: {c.reason or 'failed'}" for c in failing
        ),
        judge=parts[0].judge,
        model=parts[0].model,
        latency_ms=sum(p.latency_ms or 0.0 for p in parts),
        intent=intent.__name__,
        requirement=intent.description(),
        clauses=parts,
    )


def _plan(
    outputs: Sequence[str], intents: Sequence[type[Intent]], judge: Judge, thresholds: Thresholds | None
) -> tuple[list[tuple[str, str]], list[float], list[tuple[int, type[Intent]]]]:
    if not intents:
        raise ValueError("pass at least one Intent to judge against")
    leaves = list(dict.fromkeys(leaf for intent in intents for leaf in leaf_intents(intent)))
    pairs, limits, index = [], [], []
    for n, output in enumerate(outputs):
        text = check_text(output)
        for leaf in leaves:
            pairs.append((text, leaf.description()))
            limits.append(threshold_for(leaf, judge, thresholds))
            index.append((n, leaf))
    return pairs, limits, index


def _assemble(
    outputs: Sequence[str],
    intents: Sequence[type[Intent]],
    index: list[tuple[int, type[Intent]]],
    verdicts: list[Verdict],
) -> list[list[Verdict]]:
    per_output: list[dict[type[Intent], Verdict]] = [{} for _ in outputs]
    for (n, leaf), verdict in zip(index, verdicts):
        per_output[n][leaf] = verdict
    return [[_combine(intent, per_output[n]) for intent in intents] for n in range(len(outputs))]


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
    pairs, limits, index = _plan(outputs, intents, judge, thresholds)
    return _assemble(outputs, intents, index, judge.evaluate_batch(pairs, limits))


async def ajudge_intents(
    judge: Judge,
    outputs: Sequence[str],
    intents: Sequence[type[Intent]],
    thresholds: Thresholds | None = None,
) -> list[list[Verdict]]:
    """Async :func:`judge_intents` (one ``aevaluate_batch`` call, off the event loop)."""
    pairs, limits, index = _plan(outputs, intents, judge, thresholds)
    return _assemble(outputs, intents, index, await judge.aevaluate_batch(pairs, limits))

"""A cheap local judge that escalates uncertain checks to a strong judge and learns from it."""

from __future__ import annotations

import math
import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from langchain_semantix.judges.base import Judge, Verdict

if TYPE_CHECKING:
    from langchain_semantix.judges.trained import TrainedJudge
    from langchain_semantix.training.judge.labels import LabelledExample, LabelStore

__all__ = ["CascadeJudge", "CascadeStats", "LabelWriteWarning"]


class LabelWriteWarning(UserWarning):
    """Labels a cascade gathered could not be written to its label store."""


@dataclass
class CascadeStats:
    """How many checks the cascade made, escalated, and turned into stored labels."""

    checks: int = 0
    escalations: int = 0
    labels_written: int = 0
    #: Labels the store could not take (full disk, lock timeout); they stay in ``CascadeJudge.collected``.
    label_write_failures: int = 0

    @property
    def escalation_rate(self) -> float:
        return self.escalations / self.checks if self.checks else 0.0


def _check_band(band: object) -> tuple[float, float]:
    values = list(band) if isinstance(band, (tuple, list)) else []
    if len(values) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        raise TypeError(f"band must be a pair of scores (lo, hi), e.g. (0.3, 0.7); got {band!r:.80}")
    lo, hi = float(values[0]), float(values[1])
    if not 0 <= lo <= hi <= 1:  # NaN fails this too
        raise ValueError(f"band must be (lo, hi) with 0 <= lo <= hi <= 1, e.g. (0.3, 0.7); got {band}")
    return lo, hi


class CascadeJudge(Judge):
    """The local judge decides outside its uncertain ``band``; inside it, the strong judge does.

    Every strong verdict is stored as a :class:`LabelledExample` (``source="judge:<strong>"``),
    so :meth:`retrain` can teach the local judge what the strong one decided: the strong
    judge's cost shrinks as the local judge learns. Batches send only the uncertain pairs
    to the strong judge, in one batch.

    Args:
        local: The cheap judge (e.g. ``TrainedJudge``, ``NLIJudge``).
        strong: The judge to escalate to (e.g. ``LLMJudge(chat_model)``).
        band: ``(lo, hi)``: local scores with ``lo <= score <= hi`` are escalated.
        labels: Where escalated verdicts go: a ``LabelStore``, a JSONL path, a LangGraph
            ``BaseStore``, or ``None`` to keep them in memory (``collected``).

    Example:
        .. code-block:: python

            judge = CascadeJudge(TrainedJudge.load("judges/v1"), LLMJudge(chat_model),
                                 band=(0.2, 0.8), labels="labels.jsonl")
            parser = IntentParser(PoliteDecline, judge=judge)
            ...
            judge.stats.escalations
            # the strong judge's labels plus the user's own, so none are forgotten
            judge.retrain("judges/v2", extra_examples=read_labels("my_labels.jsonl"))
    """

    name: ClassVar[str] = "cascade"

    def __init__(
        self,
        local: Judge,
        strong: Judge,
        *,
        band: tuple[float, float] = (0.3, 0.7),
        labels: LabelStore | str | os.PathLike[str] | Any | None = None,
    ) -> None:
        for role, judge in (("local", local), ("strong", strong)):
            if not isinstance(judge, Judge):
                raise TypeError(f"{role} must be a Judge (e.g. TrainedJudge.load(dir), LLMJudge(chat_model)), got {judge!r:.80}")
        lo, hi = _check_band(band)
        from langchain_semantix.training.judge.labels import LabelStore

        self.local, self.strong, self.band = local, strong, (float(lo), float(hi))
        self.labels: LabelStore | None = labels if isinstance(labels, LabelStore) or labels is None else LabelStore(labels)
        self.collected: list[LabelledExample] = []
        self.stats = CascadeStats()
        self._lock = threading.Lock()

    @property
    def default_threshold(self) -> float:  # type: ignore[override]
        """The local judge's (it decides outside the band)."""
        return self.local.default_threshold

    def threshold_for(self, requirement: str) -> float:
        """The local judge's threshold for ``requirement`` (it decides outside the band)."""
        return self.local.threshold_for(requirement)

    @property
    def escalations(self) -> int:
        return self.stats.escalations

    @property
    def model_id(self) -> str | None:
        return f"{self.local.identity}>{self.strong.identity}"

    def _uncertain(self, verdict: Verdict) -> bool:
        return verdict.score is None or self.band[0] <= verdict.score <= self.band[1]

    def _record(self, pairs: Sequence[tuple[str, str]], local: Sequence[Verdict], strong: Sequence[Verdict]) -> None:
        from langchain_semantix.training.judge.labels import LabelledExample, judge_identity

        who = judge_identity(self.strong)
        examples = []
        unlabelled = 0
        for (output, requirement), lv, verdict in zip(pairs, local, strong):
            if verdict.score is not None and not math.isfinite(verdict.score):
                unlabelled += 1  # the check still returns the strong verdict; only its label is skipped
                continue
            examples.append(
                LabelledExample(
                    requirement=requirement,
                    output=output,
                    label=verdict.passed,
                    intent=verdict.intent,
                    source=f"judge:{who}",
                    score=verdict.score,
                    judge=who,
                    metadata={"local_score": lv.score, "local_judge": judge_identity(self.local)},
                )
            )
        if unlabelled:
            bad = next(v.score for v in strong if v.score is not None and not math.isfinite(v.score))
            warnings.warn(
                f"CascadeJudge's strong judge {who} returned a non-finite score ({bad!r}) for {unlabelled} "
                "output(s); their verdicts are returned but not stored as labels - fix the strong judge",
                LabelWriteWarning,
                stacklevel=4,
            )
        failed = 0
        if self.labels is not None:
            try:
                self.labels.add_many(examples)
            except OSError as exc:  # a label store that fails must not fail the user's check
                failed = len(examples)
                warnings.warn(
                    f"CascadeJudge could not store {failed} labels in {self.labels!r} ({exc}); they are kept in "
                    "CascadeJudge.collected - fix the store, then add them with labels.add_many(judge.collected)",
                    LabelWriteWarning,
                    stacklevel=4,
                )
        with self._lock:
            self.collected.extend(examples)
            self.stats.labels_written += len(examples) - failed
            self.stats.label_write_failures += failed

    def _merge(
        self, verdicts: list[Verdict], escalated: list[int], strong: Sequence[Verdict], pairs: Sequence[tuple[str, str]]
    ) -> list[Verdict]:
        with self._lock:
            self.stats.checks += len(pairs)
            self.stats.escalations += len(escalated)
        if escalated:
            self._record([pairs[i] for i in escalated], [verdicts[i] for i in escalated], strong)
        for i, verdict in zip(escalated, strong):
            verdicts[i] = verdict
        return verdicts

    def score_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        """Local batch, then one strong batch for the uncertain pairs only.

        ``thresholds`` are the local judge's pass marks; the strong judge decides with its
        own (the two judges' scores are on different scales)."""
        verdicts = self.local.evaluate_batch(pairs, thresholds)
        escalated = [i for i, v in enumerate(verdicts) if self._uncertain(v)]
        strong = self.strong.evaluate_batch([pairs[i] for i in escalated]) if escalated else []
        return self._merge(list(verdicts), escalated, self._checked(strong, len(escalated)), pairs)

    async def ascore_batch(self, pairs: Sequence[tuple[str, str]], thresholds: Sequence[float]) -> list[Verdict]:
        """:meth:`score_batch` with both judges' async batches."""
        verdicts = await self.local.aevaluate_batch(pairs, thresholds)
        escalated = [i for i, v in enumerate(verdicts) if self._uncertain(v)]
        strong = await self.strong.aevaluate_batch([pairs[i] for i in escalated]) if escalated else []
        return self._merge(list(verdicts), escalated, self._checked(strong, len(escalated)), pairs)

    def _checked(self, strong: Sequence[Verdict], expected: int) -> Sequence[Verdict]:
        if len(strong) != expected:
            raise TypeError(f"the strong judge {self.strong!r} returned {len(strong)} verdicts for {expected} pairs")
        return strong

    def examples(self) -> list[LabelledExample]:
        """The labels gathered so far (from the label store when there is one)."""
        return self.labels.examples() if self.labels is not None else list(self.collected)

    def retrain(
        self,
        output_dir: str | os.PathLike[str],
        *,
        extra_examples: Sequence[LabelledExample] = (),
        replace_local: bool = True,
        **train_options: Any,
    ) -> TrainedJudge:
        """Train a local judge on the gathered labels (plus ``extra_examples``) and, by default,
        use it as this cascade's local judge from now on."""
        from langchain_semantix.training.judge.train import train_judge

        judge = train_judge([*self.examples(), *extra_examples], output_dir=output_dir, **train_options)
        if replace_local:
            self.local = judge
        return judge

    def __repr__(self) -> str:
        return f"CascadeJudge(local={self.local!r}, strong={self.strong!r}, band={self.band})"

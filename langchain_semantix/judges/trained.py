"""A judge trained from labelled examples: a fine-tuned cross-encoder plus calibrated thresholds."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from langchain_semantix.judges.base import Judge, Verdict, check_text, empty_output_verdict
from langchain_semantix.judges.nli import JudgeModelError

__all__ = ["TrainedJudge", "MANIFEST_NAME", "is_trained_judge_dir"]

MANIFEST_NAME = "semantix_judge.json"
MANIFEST_SCHEMA = 1


def is_trained_judge_dir(path: str | os.PathLike[str]) -> bool:
    """``True`` if ``path`` is a folder written by ``train_judge`` (it holds the manifest)."""
    return (Path(path) / MANIFEST_NAME).is_file()


class TrainedJudge(Judge):
    """A cross-encoder fine-tuned on ``(requirement, output) -> label`` by ``train_judge``.

    The score is the model's probability that the output satisfies the requirement. With no
    threshold passed, a requirement the training labels covered uses its calibrated threshold
    from the manifest, any other the global one.

    Example:
        .. code-block:: python

            judge = TrainedJudge.load("judges/v1")
            judge.evaluate("Thanks, but I can't come.", "The text must politely decline an invitation.")
    """

    name: ClassVar[str] = "trained"

    def __init__(self, path: str | os.PathLike[str], *, device: str | None = None, batch_size: int = 32) -> None:
        self.path = Path(path)
        manifest_path = self.path / MANIFEST_NAME
        if not manifest_path.is_file():
            raise JudgeModelError(
                f"{self.path} is not a trained judge: {MANIFEST_NAME} is missing. Train one with "
                "`langchain-semantix judge train LABELS -o DIR` or train_judge(...), then load that DIR"
            )
        try:
            self.manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise JudgeModelError(f"{manifest_path} is not valid JSON ({exc}); retrain the judge") from exc
        if self.manifest.get("schema_version") != MANIFEST_SCHEMA:
            raise JudgeModelError(f"{manifest_path} has schema {self.manifest.get('schema_version')}, expected {MANIFEST_SCHEMA}")
        self.batch_size = batch_size
        self.max_length = int(self.manifest.get("recipe", {}).get("max_length", 256))
        self.thresholds: dict[str, float] = dict(self.manifest.get("thresholds", {}).get("requirements", {}))
        self.default_threshold = float(self.manifest.get("thresholds", {}).get("global", 0.5))
        self._lock = threading.Lock()
        try:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(self.path)
            self._model = AutoModelForSequenceClassification.from_pretrained(self.path)
        except Exception as exc:
            raise JudgeModelError(
                f"Could not load the trained judge in {self.path} ({type(exc).__name__}: {exc}); the folder "
                "must hold the files train_judge wrote. Install the extra: pip install 'langchain-semantix[nli]'"
            ) from exc
        self._model.eval()
        if device:
            self._model.to(device)

    @classmethod
    def load(cls, path: str | os.PathLike[str], **kwargs: Any) -> TrainedJudge:
        """Load a judge saved by ``train_judge``."""
        return cls(path, **kwargs)

    @property
    def model_id(self) -> str | None:
        return str(self.manifest.get("id") or self.path)

    def threshold_for(self, requirement: str) -> float:
        """The calibrated threshold for ``requirement`` (the global one if it was not in training)."""
        return self.thresholds.get(requirement, self.default_threshold)

    def scores(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Probability that each ``(output, requirement)`` pair satisfies its requirement."""
        import torch

        if not pairs:
            return []
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = [0.0] * len(pairs)
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                batch = self._tokenizer(
                    [pairs[i][1] for i in chunk],
                    [pairs[i][0] for i in chunk],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self._model.device)
                probs = torch.sigmoid(self._model(**batch).logits[:, 0]).tolist()
                for i, p in zip(chunk, probs):
                    out[i] = float(p)
        return out

    def evaluate(self, output: str, intent_description: str, threshold: float | None = None) -> Verdict:
        return self.evaluate_batch([(output, intent_description)], threshold)[0]

    def evaluate_batch(
        self,
        pairs: Sequence[tuple[str, str]],
        thresholds: float | Sequence[float | None] | None = None,
    ) -> list[Verdict]:
        """Score all pairs in batches of ``batch_size`` (one model pass each)."""
        if thresholds is None or isinstance(thresholds, (int, float)):
            given: list[float | None] = [thresholds] * len(pairs)
        else:
            given = list(thresholds)
            if len(given) != len(pairs):
                raise ValueError(f"got {len(given)} thresholds for {len(pairs)} pairs; pass one value or one per pair")
        limits = [
            self.threshold_for(check_text(d, what="intent_description")) if t is None else float(t) for (_, d), t in zip(pairs, given)
        ]
        live = [i for i, (o, _) in enumerate(pairs) if check_text(o).strip()]
        started = time.perf_counter()
        live_scores = dict(zip(live, self.scores([pairs[i] for i in live])))
        latency = (time.perf_counter() - started) * 1000 / max(len(live), 1)
        verdicts = []
        for i, (_, requirement) in enumerate(pairs):
            if i not in live_scores:
                verdicts.append(empty_output_verdict(self, requirement, limits[i]))
                continue
            score, limit = live_scores[i], limits[i]
            verdicts.append(
                Verdict(
                    passed=score >= limit,
                    score=score,
                    threshold=limit,
                    reason=None if score >= limit else f"trained judge probability {score:.3f} is below {limit:.3f}",
                    judge=self.name,
                    model=self.model_id,
                    latency_ms=latency,
                    requirement=requirement,
                )
            )
        return verdicts

    def __repr__(self) -> str:
        return f"TrainedJudge({str(self.path)!r})"

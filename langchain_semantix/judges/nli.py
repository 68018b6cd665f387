"""NLI judge: a local cross-encoder decides whether the output entails the requirement."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from langchain_semantix.errors import JudgeModelError, require_threshold
from langchain_semantix.judges.inference import (
    Backend,
    CrossEncoderPairScorer,
    PairScorer,
    cross_encoder_length_attribute,
    load_pair_scorer,
)
from langchain_semantix.judges.windows import LongOutputRule, WindowedJudge, WindowJob, WindowScores, rows_per_job

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

__all__ = ["NLIJudge", "JudgeModelError", "to_hypothesis", "DEFAULT_NLI_MODEL", "entailment_index"]

DEFAULT_NLI_MODEL = "cross-encoder/nli-MiniLM2-L6-H768"
MODEL_ENV_VAR = "SEMANTIX_NLI_MODEL"
#: Seconds the hub may take to answer the one request that checks it is reachable.
HUB_PROBE_TIMEOUT_S = 5.0
#: Tokens kept free in every window for special tokens and re-tokenisation at the cut.
_SPECIAL_TOKENS_MARGIN = 8
#: Hypothesis token counts kept per judge (requirements repeat on every call).
_MAX_CACHED_HYPOTHESES = 4096

_REQUIREMENT_PREFIX = re.compile(
    r"^(?:the|this|your|an?)\s+(?:text|response|output|answer|reply|message)\s+"
    r"(?:must|should|needs to|has to|shall)\s+(?P<neg>not\s+|never\s+)?(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)


def _progressive(verb: str) -> str:
    """``decline`` -> ``declining``; ``be`` -> ``being``; ``stop`` -> ``stopping``."""
    lower = verb.lower()
    if lower == "be":
        return "being"
    if lower.endswith("ie"):
        return verb[:-2] + "ying"
    if lower.endswith("e") and not lower.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    if len(lower) >= 3 and lower[-1] not in "aeiouwxy" and lower[-2] in "aeiou" and lower[-3] not in "aeiou" and len(lower) <= 4:
        return verb + verb[-1] + "ing"
    return verb + "ing"


@functools.lru_cache(maxsize=4096)
def to_hypothesis(requirement: str) -> str:
    """Turn a requirement into an NLI hypothesis the output can entail.

    "The text must politely decline an invitation." becomes
    "Someone is politely declining an invitation." — cross-encoders score a
    description of what the text *does* far better than an instruction. Text not in
    the "The text must ..." form is used as it is.
    """
    text = " ".join(requirement.split())
    match = _REQUIREMENT_PREFIX.match(text)
    if not match:
        return text
    words = match.group("rest").split()
    negation = "not " if match.group("neg") else ""
    for i, word in enumerate(words):
        # Skip leading adverbs ("politely decline") to find the verb.
        if not word.lower().endswith("ly"):
            words[i] = _progressive(word)
            break
    return f"Someone is {negation}{' '.join(words)}"


def entailment_index(id2label: dict[Any, str]) -> int:
    """The logit index of the entailment label, read from the model's ``id2label``."""
    for idx, label in id2label.items():
        if str(label).strip().lower() in {"entailment", "entail", "entailed", "entails"}:
            return int(idx)
    raise JudgeModelError(
        f"the model's id2label {dict(id2label)} has no 'entailment' label, so it is not an "
        "NLI model this judge can read. Use an NLI cross-encoder (e.g. "
        f"{DEFAULT_NLI_MODEL}) or set config.id2label."
    )


def _load_error(model_name: str, problem: str) -> JudgeModelError:
    return JudgeModelError(
        f"Could not load the NLI model {model_name!r}: {problem}\n"
        "Fixes:\n"
        f"  - point at local files: NLIJudge('/path/to/{DEFAULT_NLI_MODEL.split('/')[-1]}') "
        f"or export {MODEL_ENV_VAR}=/path/to/model;\n"
        "  - on a machine with internet, download it once into the Hugging Face cache: "
        f"hf download {DEFAULT_NLI_MODEL} (then HF_HUB_OFFLINE=1 is fine);\n"
        "  - install the extra if sentence-transformers is missing: "
        "pip install 'langchain-semantix[nli]'.\n"
        "No other judge is used in its place."
    )


def _looks_like_a_folder(model_name: str) -> bool:
    """A path the caller means as a local folder (a hub id is ``org/name``, never these)."""
    return os.path.isabs(model_name) or model_name.startswith((".", "~")) or os.path.exists(model_name)


def resolve_model_path(
    model_name: str,
    *,
    probe_timeout: float = HUB_PROBE_TIMEOUT_S,
    load_error: Callable[[str, str], JudgeModelError] = _load_error,
    markers: Sequence[str] = ("config.json",),
) -> str:
    """Where to load ``model_name`` from, without the hub's minute of retries when it is unreachable.

    A local folder is used as it is; a hub name is looked up in the Hugging Face cache first
    (no network). Only when it is not cached and ``HF_HUB_OFFLINE`` is unset is the hub asked,
    once, with a ``probe_timeout`` seconds limit and no retries; when that fails the error says
    why and how to fix it. A reachable hub returns the name, and the judge downloads it.

    ``markers``: the files one of which a model folder holds at its top (the first is the
    one asked of the hub).

    Raises:
        TypeError: ``model_name`` is not text.
        JudgeModelError: the model is neither on disk, nor cached, nor reachable (built
            by ``load_error(model_name, problem)``).
    """
    if not isinstance(model_name, (str, os.PathLike)) or not os.fspath(model_name).strip():
        raise TypeError(f"model_name must be a Hugging Face model id or a local folder, got {model_name!r:.60}")
    model_name = os.fspath(model_name)
    folder = os.path.expanduser(model_name)
    if os.path.isdir(folder):
        if not any(os.path.exists(os.path.join(folder, marker)) for marker in markers):
            raise load_error(model_name, f"the folder holds no {' or '.join(markers)}, so it is not a saved model.")
        return folder
    if _looks_like_a_folder(model_name):
        raise load_error(model_name, "no such folder." if not os.path.exists(folder) else "it is a file, not a model folder.")
    try:
        import huggingface_hub
        from huggingface_hub import get_hf_file_metadata, hf_hub_url, snapshot_download
    except ImportError as exc:
        raise load_error(model_name, f"{exc} (the 'nli' extra is not installed)") from exc
    try:
        cached = snapshot_download(model_name, local_files_only=True)
        if any(os.path.exists(os.path.join(cached, marker)) for marker in markers):
            return cached
    except Exception:  # not cached, or not a valid repo id: fall through to the checks below
        pass
    offline_env = os.environ.get("HF_HUB_OFFLINE", "").upper() in {"1", "ON", "YES", "TRUE"}
    if offline_env or huggingface_hub.constants.is_offline_mode():
        raise load_error(model_name, "it is not a local folder, not in the Hugging Face cache, and HF_HUB_OFFLINE is set.")
    try:
        get_hf_file_metadata(hf_hub_url(model_name, markers[0]), timeout=probe_timeout)
    except Exception as exc:  # network errors, unknown repo, gated repo ...
        raise load_error(
            model_name,
            f"it is not a local folder nor in the Hugging Face cache, and the hub did not answer "
            f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]}).",
        ) from exc
    return model_name


def download_model(model_name: str) -> str:
    """Download a hub model's config, tokenizer and weights (not its other formats); the local folder."""
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.txt", "*.model", "*.safetensors"]
    folder = snapshot_download(model_name, allow_patterns=patterns)
    if not any(name.endswith(".safetensors") for name in os.listdir(folder)):
        folder = snapshot_download(model_name, allow_patterns=[*patterns, "pytorch_model.bin"])
    return str(folder)


class NLIJudge(WindowedJudge):
    """Scores outputs with a local NLI cross-encoder (no API calls).

    The score is the softmax probability of the *entailment* label for the pair
    (premise = output, hypothesis = the requirement rephrased by :func:`to_hypothesis`).
    The entailment index comes from the model's ``id2label``, so 2- and 3-label
    models both work.

    Outputs longer than the model's window (``max_length`` tokens, hypothesis included) are
    never cut silently: they are scored in overlapping windows and, by default, the *worst*
    window decides, so a rude last paragraph fails a politeness requirement. The verdict then
    has ``truncated=True`` and ``window_scores``. See :mod:`langchain_semantix.judges.windows`
    for the rules and when ``long_output="best_window"`` fits better ("must mention ...").

    Loading never hangs on the hub: a local folder or the Hugging Face cache is used first;
    with ``HF_HUB_OFFLINE=1`` or no network a missing model raises :class:`JudgeModelError`
    within seconds, with the fixes (see :func:`resolve_model_path`).

    Args:
        model_name: Hub name or local path. Defaults to ``$SEMANTIX_NLI_MODEL`` or
            ``cross-encoder/nli-MiniLM2-L6-H768``.
        device: ``"cpu"``, ``"cuda"``, ... (``None``: sentence-transformers picks).
        batch_size: At most this many pairs per forward pass; pairs are sorted by length and
            cut into batches with little padding.
        quantize: ``"int8"`` applies dynamic int8 quantisation to the linear layers (CPU only;
            ONNX Runtime's or PyTorch's, after ``backend``): faster, scores within a few
            hundredths (``bench/bench_judge.py`` prints the largest change).
        max_length: Tokens per model pass (output + hypothesis); ``None``: the model's own.
        long_output: How an output longer than one window is judged: ``"worst_window"``
            (default), ``"best_window"`` or ``"fail"``.
        window_overlap: Tokens shared by consecutive windows, so no sentence is only ever
            seen cut in two.
        max_windows: Outputs needing more windows fail with a reason instead of being judged.
        backend: ``"auto"`` (default): ONNX Runtime on CPU when ``onnxruntime`` is installed
            (part of the ``nli`` extra; the model is exported once into
            ``$SEMANTIX_ONNX_CACHE``), PyTorch otherwise; ``"torch"`` or ``"onnx"`` to choose.
            A model that cannot be exported runs on PyTorch with a warning.
            See :mod:`langchain_semantix.judges.onnx_runtime`.
        cross_encoder: An already-loaded ``CrossEncoder`` to use instead of loading (its own
            ``predict`` runs the pairs; ``backend`` does not apply).

    Example:
        .. code-block:: python

            judge = NLIJudge()                       # or NLIJudge("/models/nli-MiniLM2")
            verdict = judge.evaluate(
                "Thank you so much, but I can't make it.",
                "The text must politely decline an invitation.",
            )
            verdict.passed, verdict.score, verdict.truncated
    """

    name: ClassVar[str] = "nli"
    measure: ClassVar[str] = "entailment probability"

    def __init__(
        self,
        model_name: str | None = None,
        *,
        device: str | None = None,
        batch_size: int = 32,
        quantize: Literal["int8"] | None = None,
        max_length: int | None = None,
        long_output: LongOutputRule = "worst_window",
        window_overlap: int = 48,
        max_windows: int = 32,
        default_threshold: float = 0.5,
        backend: Backend = "auto",
        cross_encoder: CrossEncoder | None = None,
    ) -> None:
        if quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8', got {quantize!r}")
        self.model_name = model_name or os.environ.get(MODEL_ENV_VAR) or DEFAULT_NLI_MODEL
        self.batch_size = batch_size
        self.set_window_options(long_output, window_overlap, max_windows)
        self.default_threshold = require_threshold(default_threshold, what="default_threshold")
        self.quantize = quantize
        self._scorer = self._load(device, backend, max_length) if cross_encoder is None else self._wrap(cross_encoder, max_length)
        self.tokenizer: Any = self._scorer.tokenizer
        self.backend: str = self._scorer.backend
        id2label = self._scorer.id2label
        self.labels = [str(id2label[k]) for k in sorted(id2label, key=int)]
        self.entailment_index = entailment_index(id2label)
        self._hypothesis_tokens: dict[str, int] = {}
        self._identity = f"{type(self).__qualname__}:{self.model_id}"  # read on every cache look-up

    def _load(self, device: str | None, backend: Backend, max_length: int | None) -> PairScorer:
        path = resolve_model_path(self.model_name)  # before importing torch: a missing model fails in a second
        try:
            if not os.path.isdir(path):  # on the hub and reachable: fetch the files both engines read
                path = download_model(path)
            return load_pair_scorer(
                path, backend=backend, quantize=self.quantize, device=device, max_length=max_length, batch_size=self.batch_size
            )
        except ImportError as exc:
            raise _load_error(self.model_name, f"{exc} (the 'nli' extra is not installed)") from exc
        except (JudgeModelError, ValueError):
            raise
        except Exception as exc:  # transformers raises many types here
            raise _load_error(self.model_name, f"{type(exc).__name__}: {exc}") from exc

    def _wrap(self, cross_encoder: CrossEncoder, max_length: int | None) -> PairScorer:
        if max_length is not None:
            setattr(cross_encoder, cross_encoder_length_attribute(cross_encoder), max_length)
        scorer = CrossEncoderPairScorer(cross_encoder, batch_size=self.batch_size)
        if self.quantize == "int8":
            scorer.quantize_int8()
        return scorer

    @property
    def model_id(self) -> str | None:
        return self.model_name + ("@int8" if self.quantize else "")

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def max_length(self) -> int:
        """Tokens the model reads in one pass (output and hypothesis together)."""
        return self._scorer.max_length

    def window_tokens(self, hypothesis: str) -> int:
        """Tokens of output that fit in one pass next to ``hypothesis``."""
        tokens = self._hypothesis_tokens.get(hypothesis)
        if tokens is None:
            tokens = len(self.tokenizer(hypothesis, add_special_tokens=False)["input_ids"])
            if len(self._hypothesis_tokens) < _MAX_CACHED_HYPOTHESES:
                self._hypothesis_tokens[hypothesis] = tokens
        return self.max_length - tokens - _SPECIAL_TOKENS_MARGIN

    @property
    def window_tokenizer(self) -> Any:
        return self.tokenizer

    def window_size(self, requirement: str) -> int:
        return self.window_tokens(to_hypothesis(requirement))

    def score_windows(self, jobs: Sequence[WindowJob]) -> list[WindowScores]:
        """Every window against its hypothesis, in one call of the model in length-sorted batches."""
        inputs = [(window, to_hypothesis(job.requirement)) for job in jobs for window in job.windows]
        probabilities = softmax(self._scorer.predict_logits(inputs))
        return [WindowScores(rows[:, self.entailment_index].tolist(), rows.tolist()) for rows in rows_per_job(probabilities, jobs)]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, computed in float64 so the probabilities sum to one."""
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)

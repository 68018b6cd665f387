"""NLI judge: a local cross-encoder decides whether the output entails the requirement."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from langchain_semantix.errors import JudgeModelError
from langchain_semantix.judges.base import (
    Judge,
    Verdict,
    check_text,
    empty_output_verdict,
    resolve_thresholds,
)
from langchain_semantix.judges.windows import (
    LongOutputRule,
    check_rule,
    not_judged_verdict,
    split_into_windows,
    too_long_reason,
    windowed_verdict,
)

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

__all__ = ["NLIJudge", "JudgeModelError", "to_hypothesis", "DEFAULT_NLI_MODEL", "entailment_index"]

DEFAULT_NLI_MODEL = "cross-encoder/nli-MiniLM2-L6-H768"
MODEL_ENV_VAR = "SEMANTIX_NLI_MODEL"
#: Seconds the hub may take to answer the one request that checks it is reachable.
HUB_PROBE_TIMEOUT_S = 5.0
#: Tokens kept free in every window for special tokens and re-tokenisation at the cut.
_SPECIAL_TOKENS_MARGIN = 8

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


def resolve_model_path(model_name: str, *, probe_timeout: float = HUB_PROBE_TIMEOUT_S) -> str:
    """Where to load ``model_name`` from, without the hub's minute of retries when it is unreachable.

    A local folder is used as it is; a hub name is looked up in the Hugging Face cache first
    (no network). Only when it is not cached and ``HF_HUB_OFFLINE`` is unset is the hub asked,
    once, with a ``probe_timeout`` seconds limit and no retries; when that fails the error says
    why and how to fix it. A reachable hub returns the name, and sentence-transformers downloads.

    Raises:
        JudgeModelError: the model is neither on disk, nor cached, nor reachable.
    """
    if os.path.isdir(os.path.expanduser(model_name)):
        return os.path.expanduser(model_name)
    try:
        import huggingface_hub
        from huggingface_hub import get_hf_file_metadata, hf_hub_url, snapshot_download
    except ImportError as exc:
        raise _load_error(model_name, f"{exc} (the 'nli' extra is not installed)") from exc
    try:
        cached = snapshot_download(model_name, local_files_only=True)
        if os.path.exists(os.path.join(cached, "config.json")):
            return cached
    except Exception:  # not cached, or not a valid repo id: fall through to the checks below
        pass
    offline_env = os.environ.get("HF_HUB_OFFLINE", "").upper() in {"1", "ON", "YES", "TRUE"}
    if offline_env or huggingface_hub.constants.is_offline_mode():
        raise _load_error(model_name, "it is not a local folder, not in the Hugging Face cache, and HF_HUB_OFFLINE is set.")
    try:
        get_hf_file_metadata(hf_hub_url(model_name, "config.json"), timeout=probe_timeout)
    except Exception as exc:  # network errors, unknown repo, gated repo ...
        raise _load_error(
            model_name,
            f"it is not a local folder nor in the Hugging Face cache, and the hub did not answer "
            f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]}).",
        ) from exc
    return model_name


class NLIJudge(Judge):
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
        batch_size: Pairs per forward pass in :meth:`evaluate_batch`.
        quantize: ``"int8"`` applies PyTorch dynamic int8 quantisation to the linear
            layers (CPU only): roughly 2x faster, scores within a few hundredths.
        max_length: Tokens per model pass (output + hypothesis); ``None``: the model's own.
        long_output: How an output longer than one window is judged: ``"worst_window"``
            (default), ``"best_window"`` or ``"fail"``.
        window_overlap: Tokens shared by consecutive windows, so no sentence is only ever
            seen cut in two.
        max_windows: Outputs needing more windows fail with a reason instead of being judged.
        cross_encoder: An already-loaded ``CrossEncoder`` to use instead of loading.

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
        cross_encoder: CrossEncoder | None = None,
    ) -> None:
        self.model_name = model_name or os.environ.get(MODEL_ENV_VAR) or DEFAULT_NLI_MODEL
        self.batch_size = batch_size
        self.long_output = check_rule(long_output)
        self.window_overlap = window_overlap
        self.max_windows = max_windows
        self.default_threshold = default_threshold
        self.quantize = quantize
        self._lock = threading.Lock()
        self._model = cross_encoder if cross_encoder is not None else self._load(device)
        if max_length is not None:
            self._model.max_length = max_length
        if quantize == "int8":
            self._quantize_int8()
        elif quantize is not None:
            raise ValueError(f"quantize must be None or 'int8', got {quantize!r}")
        id2label = getattr(getattr(self._model, "config", None), "id2label", None) or {}
        self.labels = [str(id2label[k]) for k in sorted(id2label, key=int)]
        self.entailment_index = entailment_index(id2label)

    def _load(self, device: str | None) -> CrossEncoder:
        path = resolve_model_path(self.model_name)  # before importing torch: a missing model fails in a second
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:
            raise _load_error(self.model_name, f"{exc} (the 'nli' extra is not installed)") from exc
        try:
            return CrossEncoder(path, device=device)
        except Exception as exc:  # transformers raises many types here
            raise _load_error(self.model_name, f"{type(exc).__name__}: {exc}") from exc

    def _quantize_int8(self) -> None:
        import torch

        inner: Any = self._model.model
        quantized = torch.ao.quantization.quantize_dynamic(inner.to("cpu"), {torch.nn.Linear}, dtype=torch.qint8)
        self._model[0].model = quantized

    @property
    def model_id(self) -> str | None:
        return self.model_name + ("@int8" if self.quantize else "")

    @property
    def max_length(self) -> int:
        """Tokens the model reads in one pass (output and hypothesis together)."""
        return int(self._model.max_length or self._model.tokenizer.model_max_length)

    def window_tokens(self, hypothesis: str) -> int:
        """Tokens of output that fit in one pass next to ``hypothesis``."""
        hypothesis_tokens = len(self._model.tokenizer(hypothesis, add_special_tokens=False)["input_ids"])
        return self.max_length - hypothesis_tokens - _SPECIAL_TOKENS_MARGIN

    def evaluate(self, output: str, intent_description: str, threshold: float | None = None) -> Verdict:
        return self.evaluate_batch([(output, intent_description)], threshold)[0]

    def evaluate_batch(
        self,
        pairs: Sequence[tuple[str, str]],
        thresholds: float | Sequence[float | None] | None = None,
    ) -> list[Verdict]:
        """Score every pair (every window of a long output) in one model pass, batched by ``batch_size``."""
        limits = resolve_thresholds(thresholds, len(pairs), self.default_threshold)
        verdicts: list[Verdict | None] = [None] * len(pairs)
        jobs: list[tuple[int, str, str, int, list[str]]] = []  # (pair, requirement, hypothesis, window size, windows)
        for i, (output, requirement) in enumerate(pairs):
            text = check_text(output)
            requirement = check_text(requirement, what="intent_description")
            if not text.strip():
                verdicts[i] = empty_output_verdict(self, requirement, limits[i])
                continue
            hypothesis = to_hypothesis(requirement)
            size = self.window_tokens(hypothesis)
            windows = split_into_windows(text, self._model.tokenizer, size, self.window_overlap)
            if len(windows) > 1 and (self.long_output == "fail" or len(windows) > self.max_windows):
                verdicts[i] = not_judged_verdict(
                    self, requirement, limits[i], too_long_reason(len(windows), size, self.max_windows, self.long_output)
                )
                continue
            jobs.append((i, requirement, hypothesis, size, windows))
        if jobs:
            started = time.perf_counter()
            inputs = [(window, hypothesis) for _, _, hypothesis, _, windows in jobs for window in windows]
            with self._lock:  # torch modules are not safe to call from many threads at once
                probs = self._model.predict(inputs, batch_size=self.batch_size, apply_softmax=True, show_progress_bar=False)
            latency = (time.perf_counter() - started) * 1000 / len(jobs)
            row = 0
            for i, requirement, _, size, windows in jobs:
                rows = probs[row : row + len(windows)]
                row += len(windows)
                verdicts[i] = windowed_verdict(
                    self,
                    requirement,
                    limits[i],
                    [float(r[self.entailment_index]) for r in rows],
                    rule=self.long_output,
                    window_tokens=size,
                    measure="entailment probability",
                    latency_ms=latency,
                    labels=self.labels,
                    label_rows=rows,
                )
        return [v for v in verdicts if v is not None]

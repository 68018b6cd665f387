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

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

__all__ = ["NLIJudge", "JudgeModelError", "to_hypothesis", "DEFAULT_NLI_MODEL", "entailment_index"]

DEFAULT_NLI_MODEL = "cross-encoder/nli-MiniLM2-L6-H768"
MODEL_ENV_VAR = "SEMANTIX_NLI_MODEL"
#: Characters kept from an output before tokenising. The model sees at most
#: ``max_length`` tokens anyway; this only bounds the tokeniser's work on huge texts.
DEFAULT_MAX_CHARS = 8_000

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
    if (
        len(lower) >= 3
        and lower[-1] not in "aeiouwxy"
        and lower[-2] in "aeiou"
        and lower[-3] not in "aeiou"
        and len(lower) <= 4
    ):
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


def _load_error(model_name: str, exc: BaseException) -> JudgeModelError:
    return JudgeModelError(
        f"Could not load the NLI model {model_name!r} ({type(exc).__name__}: {exc}).\n"
        "Fixes:\n"
        f"  - point at local files: NLIJudge(model_name='/path/to/{DEFAULT_NLI_MODEL.split('/')[-1]}') "
        f"or export {MODEL_ENV_VAR}=/path/to/model;\n"
        "  - on a machine with internet, download it once into the Hugging Face cache: "
        f"huggingface-cli download {DEFAULT_NLI_MODEL};\n"
        "  - install the extra if sentence-transformers is missing: "
        "pip install 'langchain-semantix[nli]'.\n"
        "No other judge is used in its place."
    )


class NLIJudge(Judge):
    """Scores outputs with a local NLI cross-encoder (no API calls).

    The score is the softmax probability of the *entailment* label for the pair
    (premise = output, hypothesis = the requirement rephrased by :func:`to_hypothesis`).
    The entailment index comes from the model's ``id2label``, so 2- and 3-label
    models both work.

    Args:
        model_name: Hub name or local path. Defaults to ``$SEMANTIX_NLI_MODEL`` or
            ``cross-encoder/nli-MiniLM2-L6-H768``.
        device: ``"cpu"``, ``"cuda"``, ... (``None``: sentence-transformers picks).
        batch_size: Pairs per forward pass in :meth:`evaluate_batch`.
        quantize: ``"int8"`` applies PyTorch dynamic int8 quantisation to the linear
            layers (CPU only): roughly 2x faster, scores within a few hundredths.
        max_chars: Longer outputs are cut to this many characters before tokenising
            (the model reads at most 512 tokens); the verdict says ``truncated=True``.
        cross_encoder: An already-loaded ``CrossEncoder`` to use instead of loading.

    Example:
        .. code-block:: python

            judge = NLIJudge()                       # or NLIJudge("/models/nli-MiniLM2")
            verdict = judge.evaluate(
                "Thank you so much, but I can't make it.",
                "The text must politely decline an invitation.",
            )
            verdict.passed, verdict.score
    """

    name: ClassVar[str] = "nli"

    def __init__(
        self,
        model_name: str | None = None,
        *,
        device: str | None = None,
        batch_size: int = 32,
        quantize: Literal["int8"] | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        default_threshold: float = 0.5,
        cross_encoder: CrossEncoder | None = None,
    ) -> None:
        self.model_name = model_name or os.environ.get(MODEL_ENV_VAR) or DEFAULT_NLI_MODEL
        self.batch_size = batch_size
        self.max_chars = max_chars
        self.default_threshold = default_threshold
        self.quantize = quantize
        self._lock = threading.Lock()
        self._model = cross_encoder if cross_encoder is not None else self._load(device)
        if quantize == "int8":
            self._quantize_int8()
        elif quantize is not None:
            raise ValueError(f"quantize must be None or 'int8', got {quantize!r}")
        id2label = getattr(getattr(self._model, "config", None), "id2label", None) or {}
        self.labels = [str(id2label[k]) for k in sorted(id2label, key=int)]
        self.entailment_index = entailment_index(id2label)

    def _load(self, device: str | None) -> CrossEncoder:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:
            raise _load_error(self.model_name, exc) from exc
        try:
            return CrossEncoder(self.model_name, device=device)
        except Exception as exc:  # the hub and transformers raise many types here
            raise _load_error(self.model_name, exc) from exc

    def _quantize_int8(self) -> None:
        import torch

        inner = self._model.model
        quantized = torch.ao.quantization.quantize_dynamic(
            inner.to("cpu"), {torch.nn.Linear}, dtype=torch.qint8
        )
        self._model[0].model = quantized

    @property
    def model_id(self) -> str | None:
        return self.model_name + ("@int8" if self.quantize else "")

    def evaluate(
        self, output: str, intent_description: str, threshold: float | None = None
    ) -> Verdict:
        return self.evaluate_batch([(output, intent_description)], threshold)[0]

    def evaluate_batch(
        self,
        pairs: Sequence[tuple[str, str]],
        thresholds: float | Sequence[float | None] | None = None,
    ) -> list[Verdict]:
        """Score every pair in one model pass (batched by ``batch_size``)."""
        limits = resolve_thresholds(thresholds, len(pairs), self.default_threshold)
        verdicts: list[Verdict | None] = [None] * len(pairs)
        to_score: list[tuple[int, str, str, bool]] = []
        for i, (output, requirement) in enumerate(pairs):
            text = check_text(output)
            requirement = check_text(requirement, what="intent_description")
            if not text.strip():
                verdicts[i] = empty_output_verdict(self, requirement, limits[i])
                continue
            truncated = len(text) > self.max_chars
            to_score.append((i, text[: self.max_chars], requirement, truncated))
        if to_score:
            started = time.perf_counter()
            inputs = [(text, to_hypothesis(req)) for _, text, req, _ in to_score]
            with self._lock:  # torch modules are not safe to call from many threads at once
                probs = self._model.predict(
                    inputs,
                    batch_size=self.batch_size,
                    apply_softmax=True,
                    show_progress_bar=False,
                )
            latency = (time.perf_counter() - started) * 1000 / len(to_score)
            for (i, _, requirement, truncated), row in zip(to_score, probs):
                score = float(row[self.entailment_index])
                verdicts[i] = Verdict(
                    passed=score >= limits[i],
                    score=score,
                    threshold=limits[i],
                    reason=None if score >= limits[i] else (
                        f"entailment probability {score:.3f} is below {limits[i]:.3f}"
                    ),
                    judge=self.name,
                    model=self.model_id,
                    label_probabilities={lbl: float(p) for lbl, p in zip(self.labels, row)},
                    latency_ms=latency,
                    requirement=requirement,
                    truncated=truncated,
                )
        return [v for v in verdicts if v is not None]

"""Running a sequence-pair classifier: one ``PairScorer`` interface, a PyTorch and an ONNX Runtime engine.

The cross-encoder judges (:class:`~langchain_semantix.judges.nli.NLIJudge`,
:class:`~langchain_semantix.judges.trained.TrainedJudge`) only need the logits of text pairs.
A :class:`PairScorer` tokenises all pairs of a call once, sorts them by length and cuts them into
batches that carry little padding, so a batch costs close to the FLOPs of its real tokens, and
hands each batch to its engine: PyTorch (:class:`TorchPairScorer`) or ONNX Runtime
(:class:`~langchain_semantix.judges.onnx_runtime.OnnxPairScorer`, usually faster on CPU).
:func:`load_pair_scorer` picks the engine (``backend="auto"``: ONNX Runtime when it is installed).
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from langchain_semantix.errors import JudgeModelError

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

__all__ = [
    "Backend",
    "BACKENDS",
    "PairScorer",
    "TorchPairScorer",
    "CrossEncoderPairScorer",
    "load_pair_scorer",
    "position_limit",
    "plan_batches",
    "physical_cores",
]

Backend = Literal["auto", "torch", "onnx"]
BACKENDS: tuple[str, ...] = ("auto", "torch", "onnx")
#: A batch grows while its padding stays under this share of its real tokens ...
_PADDING_ALLOWANCE = 0.08
#: ... or while it is too small to keep the matrix units busy (tokens of the padded batch).
_MIN_BATCH_TOKENS = 192


def physical_cores() -> int:
    """Physical cores this process may run on (hyper-threads share one core's matrix units)."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        allowed = list(range(os.cpu_count() or 1))
    cores = set()
    for cpu in allowed:
        topology = f"/sys/devices/system/cpu/cpu{cpu}/topology"
        try:
            with open(f"{topology}/physical_package_id") as package, open(f"{topology}/core_id") as core:
                cores.add((package.read().strip(), core.read().strip()))
        except OSError:
            cores.add(("cpu", str(cpu)))
    return max(1, len(cores))


def plan_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches of similar length, shortest first.

    A batch is padded to its longest sequence; it grows (up to ``batch_size``) while its padding
    stays small, or while it is still too small to run at full speed.
    """
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    current: list[int] = []
    real = 0
    for i in order:
        if current:
            padded = lengths[i] * (len(current) + 1)
            too_much_padding = padded - real - lengths[i] > _PADDING_ALLOWANCE * (real + lengths[i])
            if len(current) >= batch_size or (too_much_padding and padded > _MIN_BATCH_TOKENS):
                batches.append(current)
                current, real = [], 0
        current.append(i)
        real += lengths[i]
    if current:
        batches.append(current)
    return batches


class PairScorer:
    """Logits of a sequence-pair classifier for ``(first, second)`` text pairs.

    Subclasses run one padded batch (:meth:`forward`); tokenising, length-sorted batching and
    putting rows back in input order are shared. ``id2label`` is the model's label map and
    ``max_length`` the tokens one pass reads (longer pairs are truncated, longest side first).
    """

    backend: str = "?"

    def __init__(self, tokenizer: Any, *, max_length: int, batch_size: int, id2label: dict[Any, str], input_names: Sequence[str]) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self.id2label = dict(id2label)
        self.input_names = tuple(input_names)
        self._pad_id = int(tokenizer.pad_token_id or 0)

    def forward(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        """Logits of one padded batch (``int64`` arrays named like the tokenizer's outputs)."""
        raise NotImplementedError

    def predict_logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One row of logits per pair, in input order (``float32``, shape ``(len(pairs), labels)``)."""
        if not pairs:
            return np.zeros((0, len(self.id2label)), dtype=np.float32)
        encoded = self.tokenizer(
            [first for first, _ in pairs],
            [second for _, second in pairs],
            truncation=True,
            max_length=self.max_length,
            return_attention_mask=False,
            return_token_type_ids="token_type_ids" in self.input_names,
        )
        ids = encoded["input_ids"]
        types = encoded.get("token_type_ids")
        rows: list[np.ndarray | None] = [None] * len(pairs)
        for batch in plan_batches([len(x) for x in ids], self.batch_size):
            logits = self.forward(self._pad(batch, ids, types))
            for i, row in zip(batch, logits):
                rows[i] = row
        return np.stack(rows).astype(np.float32, copy=False)  # type: ignore[arg-type]

    def _pad(self, batch: Sequence[int], ids: Sequence[Sequence[int]], types: Sequence[Sequence[int]] | None) -> dict[str, np.ndarray]:
        width = max(len(ids[i]) for i in batch)
        input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        type_ids = np.zeros((len(batch), width), dtype=np.int64)
        for row, i in enumerate(batch):
            n = len(ids[i])
            input_ids[row, :n] = ids[i]
            mask[row, :n] = 1
            if types is not None:
                type_ids[row, :n] = types[i]
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": type_ids}
        return {name: feeds[name] for name in self.input_names}


class TorchPairScorer(PairScorer):
    """A ``transformers`` sequence classifier run by PyTorch (``inference_mode``, put in eval mode once)."""

    backend = "torch"

    def __init__(self, model: Any, tokenizer: Any, *, max_length: int, batch_size: int, device: str | None = None) -> None:
        import torch

        self._torch = torch
        self.model = model.eval()
        if device:
            self.model.to(device)
        self._lock = threading.Lock()  # one forward at a time: torch modules are not re-entrant-safe
        super().__init__(
            tokenizer,
            max_length=max_length,
            batch_size=batch_size,
            id2label=model.config.id2label,
            input_names=model_input_names(tokenizer),
        )

    def forward(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        torch = self._torch
        device = next(self.model.parameters()).device
        with self._lock, torch.inference_mode():
            logits = self.model(**{k: torch.from_numpy(v).to(device) for k, v in feeds.items()}).logits
        return logits.float().cpu().numpy()

    def quantize_int8(self) -> None:
        """PyTorch dynamic int8 quantisation of the linear layers (CPU only)."""
        torch = self._torch
        self.model = torch.ao.quantization.quantize_dynamic(self.model.to("cpu"), {torch.nn.Linear}, dtype=torch.qint8)


def cross_encoder_length_attribute(cross_encoder: Any) -> str:
    """``max_seq_length`` (sentence-transformers 5+; reading ``max_length`` there warns), else ``max_length``."""
    return "max_seq_length" if hasattr(cross_encoder, "max_seq_length") else "max_length"


class CrossEncoderPairScorer(PairScorer):
    """An already-loaded sentence-transformers ``CrossEncoder``: its own ``predict`` runs the pairs.

    Its activation is left off only where the model has none (several labels), so the rows are logits.
    """

    backend = "cross-encoder"

    def __init__(self, cross_encoder: CrossEncoder, *, batch_size: int) -> None:
        self.cross_encoder = cross_encoder
        self._lock = threading.Lock()  # one predict at a time, as for TorchPairScorer
        tokenizer = cross_encoder.tokenizer
        config = getattr(cross_encoder, "config", None)
        super().__init__(
            tokenizer,
            max_length=int(getattr(cross_encoder, cross_encoder_length_attribute(cross_encoder)) or tokenizer.model_max_length),
            batch_size=batch_size,
            id2label=getattr(config, "id2label", None) or {},
            input_names=("input_ids",),
        )

    def predict_logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros((0, len(self.id2label)), dtype=np.float32)
        with self._lock:
            logits = self.cross_encoder.predict(list(pairs), batch_size=self.batch_size, apply_softmax=False, show_progress_bar=False)
        return np.asarray(logits, dtype=np.float32).reshape(len(pairs), -1)

    def quantize_int8(self) -> None:
        import torch

        inner: Any = self.cross_encoder.model
        self.cross_encoder[0].model = torch.ao.quantization.quantize_dynamic(inner.to("cpu"), {torch.nn.Linear}, dtype=torch.qint8)


def model_input_names(tokenizer: Any) -> tuple[str, ...]:
    """The inputs a pass takes: ids, attention mask, and segment ids where the tokenizer makes them."""
    segments = "token_type_ids" in getattr(tokenizer, "model_input_names", ())
    return ("input_ids", "attention_mask", "token_type_ids") if segments else ("input_ids", "attention_mask")


def position_limit(config: Any) -> int | None:
    """Tokens the model's position embeddings cover (RoBERTa-style models reserve two), or
    ``None`` when the config does not say."""
    positions = getattr(config, "max_position_embeddings", None)
    if not isinstance(positions, int) or isinstance(positions, bool) or positions <= 0:
        return None
    return positions - (2 if getattr(config, "model_type", "") in ("roberta", "xlm-roberta", "camembert") else 0)


def model_max_length(tokenizer: Any, config: Any, requested: int | None) -> int:
    """Tokens per pass: ``requested``, else the tokenizer's limit; either capped by the position
    embeddings (a longer pass would index past them and crash)."""
    cap = position_limit(config)
    if requested is not None:
        return min(int(requested), cap) if cap is not None else int(requested)
    limits = [int(tokenizer.model_max_length)] if tokenizer.model_max_length < 1_000_000 else []
    if cap is not None:
        limits.append(cap)
    return min(limits) if limits else 512


def load_pair_scorer(
    path: str,
    *,
    backend: str = "auto",
    quantize: str | None = None,
    device: str | None = None,
    max_length: int | None = None,
    batch_size: int = 32,
) -> PairScorer:
    """The fastest engine available for the sequence classifier saved in ``path``.

    ``backend="auto"`` uses ONNX Runtime on CPU when ``onnxruntime`` is installed (the
    ``onnx`` extra), PyTorch otherwise or on another ``device``. If exporting the model to ONNX
    fails, it warns and runs PyTorch. ``quantize="int8"`` quantises the linear layers
    (ONNX Runtime's or PyTorch's dynamic int8 quantisation).

    Raises:
        ValueError: an unknown ``backend`` or ``quantize``.
        JudgeModelError: ``backend="onnx"`` without ``onnxruntime`` installed, or the model does not load.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if quantize not in (None, "int8"):
        raise ValueError(f"quantize must be None or 'int8', got {quantize!r}")
    on_cpu = device in (None, "cpu")
    if backend == "onnx" and not on_cpu:
        raise ValueError(f"backend='onnx' runs on the CPU; use backend='torch' for device={device!r}")
    if backend == "onnx" or (backend == "auto" and on_cpu and onnxruntime_installed()):
        if not onnxruntime_installed():
            raise JudgeModelError("backend='onnx' needs ONNX Runtime: pip install 'langchain-semantix[nli]' (or use backend='torch')")
        from langchain_semantix.judges.onnx_runtime import OnnxPairScorer

        try:
            return OnnxPairScorer.from_pretrained(path, quantize=quantize, max_length=max_length, batch_size=batch_size)
        except Exception as exc:  # export or session errors of any kind: PyTorch still works
            warnings.warn(
                f"could not run {path} with ONNX Runtime ({type(exc).__name__}: {str(exc)[:300]}); using PyTorch. "
                "Pass backend='torch' to skip the attempt.",
                RuntimeWarning,
                stacklevel=3,
            )
    return load_torch_scorer(path, quantize=quantize, device=device, max_length=max_length, batch_size=batch_size)


def load_torch_scorer(path: str, *, quantize: str | None, device: str | None, max_length: int | None, batch_size: int) -> TorchPairScorer:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path)
    scorer = TorchPairScorer(
        model, tokenizer, max_length=model_max_length(tokenizer, model.config, max_length), batch_size=batch_size, device=device
    )
    if quantize == "int8":
        scorer.quantize_int8()
    return scorer


def onnxruntime_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None

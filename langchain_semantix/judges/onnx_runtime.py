"""The ONNX Runtime engine for pair classifiers, and the on-disk cache of exported models.

A ``transformers`` sequence classifier is exported to ONNX once (``torch.onnx.export``, dynamic
batch and sequence axes, the model's plain "eager" attention), quantised to int8 when asked
(``onnxruntime.quantization.quantize_dynamic``) and kept in a cache folder:
``$SEMANTIX_ONNX_CACHE``, else ``$XDG_CACHE_HOME/langchain-semantix/onnx`` (``~/.cache/...``).
An entry's name is a digest of the model folder's path, its files' sizes and modification times,
the options, the export recipe and the library versions, so a retrained or replaced model is
exported again. Entries are written to a temporary file and renamed (no reader ever sees half a
model), and the least recently used ones are deleted when the folder grows past
``$SEMANTIX_ONNX_CACHE_MAX_MB`` (2048 by default).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from langchain_semantix.judges.inference import PairScorer, model_input_names, model_max_length, physical_cores

__all__ = ["OnnxPairScorer", "onnx_cache_dir", "cached_onnx_model", "CACHE_ENV_VAR", "CACHE_LIMIT_ENV_VAR"]

CACHE_ENV_VAR = "SEMANTIX_ONNX_CACHE"
CACHE_LIMIT_ENV_VAR = "SEMANTIX_ONNX_CACHE_MAX_MB"
_DEFAULT_LIMIT_MB = 2048
_OPSET = 17
#: How a model is turned into its ONNX file; part of the cache key, so a changed recipe
#: (export or quantisation) never reuses an entry written by an older one.
#: 2: the model is exported with its "eager" attention (fewer graph nodes than the SDPA export).
_RECIPE = 2
#: ONNX Runtime graph rewrites left out of every session: on the CPU its fused
#: ``SkipLayerNormalization`` kernel is slower than the ``Add`` + ``LayerNormalization`` it
#: replaces (measured on the int8 graph of the default model's shape, ORT 1.32: 1.65 ms against
#: 0.25 ms per check on one core, about a tenth of an int8 pass).
_DISABLED_OPTIMIZERS = ("SkipLayerNormFusion",)
#: Files whose change means the exported model is stale.
_MODEL_FILES = ("config.json", "model.safetensors", "pytorch_model.bin")


def onnx_cache_dir() -> Path:
    """Where exported models are kept (created on first use)."""
    configured = os.environ.get(CACHE_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "langchain-semantix" / "onnx"


def _cache_key(model_dir: Path, quantize: str | None) -> str:
    import onnxruntime

    from langchain_semantix import __version__

    files = []
    for name in _MODEL_FILES:
        path = model_dir / name
        if path.exists():
            stat = path.stat()
            files.append((name, stat.st_size, stat.st_mtime_ns))
    if not files:
        raise FileNotFoundError(f"{model_dir} holds none of {_MODEL_FILES}: not a saved transformers model")
    identity = {
        "path": str(model_dir.resolve()),
        "files": files,
        "quantize": quantize,
        "opset": _OPSET,
        "recipe": _RECIPE,
        "onnxruntime": onnxruntime.__version__,
        "package": __version__,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def cached_onnx_model(model_dir: str | os.PathLike[str], *, quantize: str | None = None) -> Path:
    """The ONNX file of the classifier in ``model_dir``, exported (and quantised) on first use."""
    model_dir = Path(model_dir)
    cache = onnx_cache_dir()
    target = cache / f"{_cache_key(model_dir, quantize)}{'-int8' if quantize else ''}.onnx"
    if target.exists():
        os.utime(target)  # most recently used: pruned last
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".export-") as work:
        exported = _export(model_dir, Path(work) / "model.onnx")
        if quantize == "int8":
            exported = _quantize_int8(exported, Path(work) / "model-int8.onnx")
        os.replace(exported, target)
    _prune(cache, keep=target)
    return target


def _export(model_dir: Path, target: Path) -> Path:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    try:
        # The eager attention exports as plain MatMul/Softmax with an additive mask; the SDPA one
        # adds mask guards (IsNaN/Where) that cost time in every layer. Same results either way.
        model = AutoModelForSequenceClassification.from_pretrained(model_dir, attn_implementation="eager").eval()
    except (TypeError, ValueError):  # a model class without the option
        model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    names = model_input_names(tokenizer)

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: Any) -> Any:
            return self.model(**dict(zip(names, inputs))).logits

    sample = tokenizer(["an example output", "another"], ["a hypothesis", "one more"], padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about Python conditions that do not vary here
        torch.onnx.export(
            LogitsOnly(),
            tuple(sample[name] for name in names),
            str(target),
            input_names=list(names),
            output_names=["logits"],
            dynamic_axes={**axes, "logits": {0: "batch"}},
            opset_version=_OPSET,
            dynamo=False,
        )
    return target


def _quantize_int8(source: Path, target: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    hint = _DropMessage("pre-processing before quantization")  # a note to people tuning models by hand
    logging.getLogger().addFilter(hint)
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    finally:
        logging.getLogger().removeFilter(hint)
    return target


class _DropMessage(logging.Filter):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


def _prune(cache: Path, *, keep: Path) -> None:
    """Delete the least recently used entries while the cache is over its size limit."""
    limit = int(float(os.environ.get(CACHE_LIMIT_ENV_VAR, _DEFAULT_LIMIT_MB)) * 1024 * 1024)
    entries = sorted((p for p in cache.glob("*.onnx") if p != keep), key=lambda p: p.stat().st_mtime)
    total = sum(p.stat().st_size for p in entries) + keep.stat().st_size
    for old in entries:
        if total <= limit:
            break
        total -= old.stat().st_size
        old.unlink(missing_ok=True)


class OnnxPairScorer(PairScorer):
    """A pair classifier run by an ONNX Runtime session on the CPU (all graph optimisations but the
    slower fused skip-LayerNorm, one intra-op thread per physical core, no spinning). Sessions are
    safe to call from many threads."""

    backend = "onnx"

    def __init__(self, session: Any, tokenizer: Any, *, id2label: dict[Any, str], max_length: int, batch_size: int) -> None:
        self.session = session
        names = tuple(i.name for i in session.get_inputs())
        super().__init__(tokenizer, max_length=max_length, batch_size=batch_size, id2label=id2label, input_names=names)

    @classmethod
    def from_pretrained(
        cls, path: str | os.PathLike[str], *, quantize: str | None = None, max_length: int | None = None, batch_size: int = 32
    ) -> OnnxPairScorer:
        """Export (once, cached) and open the classifier saved in the folder ``path``."""
        import onnxruntime
        from transformers import AutoConfig, AutoTokenizer

        onnx_file = cached_onnx_model(path, quantize=quantize)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = physical_cores()
        options.inter_op_num_threads = 1
        # Idle workers sleep instead of spinning: on a busy machine (the app's own threads, other
        # processes) spinning burns the time slices the last worker of an operator needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"], disabled_optimizers=list(_DISABLED_OPTIMIZERS)
        )
        tokenizer = AutoTokenizer.from_pretrained(path)
        config = AutoConfig.from_pretrained(path)
        return cls(
            session,
            tokenizer,
            id2label=config.id2label,
            max_length=model_max_length(tokenizer, config, max_length),
            batch_size=batch_size,
        )

    def forward(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        return np.asarray(self.session.run(None, feeds)[0])

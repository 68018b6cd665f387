"""Shared fixtures: intents, scripted models, and real cross-encoders built on disk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from langchain_semantix import Intent  # noqa: E402
from langchain_semantix.testing import KeywordJudge, ScriptedChatModel  # noqa: E402


class Polite(Intent):
    """The text must politely decline an invitation without being rude."""


class MentionsDate(Intent):
    """The text must mention a date."""


@pytest.fixture(scope="session", autouse=True)
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Models exported to ONNX during the tests go to a temporary folder, not the user's cache."""
    previous = os.environ.get("SEMANTIX_ONNX_CACHE")
    folder = tmp_path_factory.mktemp("onnx-cache")
    os.environ["SEMANTIX_ONNX_CACHE"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("SEMANTIX_ONNX_CACHE", None)
    else:
        os.environ["SEMANTIX_ONNX_CACHE"] = previous


@pytest.fixture
def judge() -> KeywordJudge:
    return KeywordJudge(fail_words=["go away", "stupid"])


@pytest.fixture
def healing_model() -> ScriptedChatModel:
    return ScriptedChatModel(draft="No. Go away.", revision=lambda q: f"Thank you for asking about {q}, but I can't attend.")


def _build_cross_encoder(target: Path, id2label: dict[int, str]) -> Path:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from langchain_semantix.judges import bundled_minilm_path

    tokenizer = BertTokenizerFast.from_pretrained(bundled_minilm_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    import torch

    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def tiny_nli_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-label cross-encoder, labels in the usual contradiction/entailment/neutral order."""
    return _build_cross_encoder(tmp_path_factory.mktemp("nli3"), {0: "contradiction", 1: "entailment", 2: "neutral"})


@pytest.fixture(scope="session")
def permuted_nli_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Same shape, entailment at index 2: the judge must read id2label, not assume."""
    return _build_cross_encoder(tmp_path_factory.mktemp("nli3p"), {0: "neutral", 1: "contradiction", 2: "entailment"})


@pytest.fixture(scope="session")
def two_label_nli_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_cross_encoder(tmp_path_factory.mktemp("nli2"), {0: "not_entailment", 1: "entailment"})

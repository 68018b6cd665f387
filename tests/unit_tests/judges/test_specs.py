"""judges/specs.py: a spec string (or $SEMANTIX_JUDGE) names the judge and its model."""

from __future__ import annotations

import pytest

from langchain_semantix.judges import EmbeddingJudge, NLIJudge, bundled_minilm_path
from langchain_semantix.judges.specs import JUDGE_ENV_VAR, SPECS, load_judge


def test_embedding_without_a_path_is_the_bundled_model():
    judge = load_judge("embedding")
    assert isinstance(judge, EmbeddingJudge) and judge.model_id == str(bundled_minilm_path())


def test_a_path_after_the_kind_is_the_model(tiny_nli_path):
    nli = load_judge(f"nli:{tiny_nli_path}")
    assert isinstance(nli, NLIJudge) and nli.model_id == str(tiny_nli_path)
    embedding = load_judge(f"embedding:{bundled_minilm_path()}")
    assert isinstance(embedding, EmbeddingJudge) and embedding.model_id == str(bundled_minilm_path())


def test_the_environment_names_the_judge_when_no_spec_is_given(monkeypatch, tiny_nli_path):
    monkeypatch.setenv(JUDGE_ENV_VAR, f"nli:{tiny_nli_path}")
    assert load_judge().model_id == str(tiny_nli_path)
    assert load_judge("embedding").model_id != str(tiny_nli_path)  # a spec given wins over the environment


def test_no_spec_anywhere_says_both_ways_to_give_one(monkeypatch):
    monkeypatch.delenv(JUDGE_ENV_VAR, raising=False)
    with pytest.raises(ValueError, match=f"pass --judge SPEC or set {JUDGE_ENV_VAR}") as info:
        load_judge()
    assert SPECS in str(info.value)


def test_an_unknown_kind_lists_the_specs_and_a_missing_model_path_is_named(tmp_path):
    with pytest.raises(ValueError, match=f"unknown judge spec 'bert'; use one of: {SPECS}"):
        load_judge("bert")
    with pytest.raises(Exception, match="no-such-model"):
        load_judge(f"embedding:{tmp_path / 'no-such-model'}")

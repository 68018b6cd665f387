"""Pair scorers: length-sorted batching, PyTorch and ONNX Runtime agree, backend choice and fallback."""

from __future__ import annotations

import numpy as np
import pytest

from langchain_semantix import JudgeModelError, NLIJudge
from langchain_semantix.judges import inference
from langchain_semantix.judges.inference import load_pair_scorer, physical_cores, plan_batches
from langchain_semantix.judges.onnx_runtime import OnnxPairScorer

REQ = "The text must politely decline an invitation."
TEXTS = [
    "Thank you, but I can't come.",
    "No.",
    "I'd love to, but I'm busy that day. " * 6,
    "Sorry, I have another engagement that evening and cannot attend, though I appreciate it.",
]


def test_batches_hold_every_pair_once_and_little_padding():
    lengths = [30, 110, 31, 64, 29, 108, 65, 33, 300, 12] * 5
    batches = plan_batches(lengths, batch_size=8)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= 8
        widths = [lengths[i] for i in batch]
        padded = max(widths) * len(widths)
        assert padded - sum(widths) <= 0.08 * sum(widths) or padded <= 192 or len(batch) == 1
    assert plan_batches([], 4) == [] and plan_batches([5], 4) == [[0]]
    with pytest.raises(ValueError, match="batch_size"):
        inference.PairScorer(object(), max_length=8, batch_size=0, id2label={}, input_names=())


@pytest.mark.parametrize("fixture", ["tiny_nli_path", "permuted_nli_path", "two_label_nli_path"])
def test_onnx_and_torch_give_the_same_probabilities(request, fixture):
    path = str(request.getfixturevalue(fixture))
    torch_judge = NLIJudge(path, backend="torch", batch_size=3)
    onnx_judge = NLIJudge(path, backend="onnx", batch_size=3)
    assert (torch_judge.backend, onnx_judge.backend) == ("torch", "onnx")
    pairs = [(t, REQ) for t in TEXTS]
    a = np.array([v.score for v in torch_judge.evaluate_batch(pairs)])
    b = np.array([v.score for v in onnx_judge.evaluate_batch(pairs)])
    assert np.max(np.abs(a - b)) < 1e-4
    single = [onnx_judge.evaluate(t, REQ).score for t in TEXTS]  # batched and one-by-one agree too
    assert single == pytest.approx(list(b), abs=1e-5)


def test_logits_come_back_in_input_order(tiny_nli_path):
    scorer = load_pair_scorer(str(tiny_nli_path), backend="onnx", batch_size=2)
    pairs = [(t, "Someone is declining.") for t in TEXTS]
    together = scorer.predict_logits(pairs)
    alone = np.concatenate([scorer.predict_logits([p]) for p in pairs])
    assert together.shape == (len(pairs), 3) and together.dtype == np.float32
    assert np.allclose(together, alone, atol=1e-4)
    assert scorer.predict_logits([]).shape == (0, 3)


def test_auto_picks_onnx_when_installed_and_torch_otherwise(tiny_nli_path, monkeypatch):
    assert NLIJudge(str(tiny_nli_path)).backend == "onnx"
    monkeypatch.setattr(inference, "onnxruntime_installed", lambda: False)
    assert NLIJudge(str(tiny_nli_path)).backend == "torch"
    with pytest.raises(JudgeModelError, match=r"langchain-semantix\[nli\]"):
        NLIJudge(str(tiny_nli_path), backend="onnx")


def test_a_failed_export_warns_and_runs_on_torch(tiny_nli_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(OnnxPairScorer, "from_pretrained", broken)
    with pytest.warns(RuntimeWarning, match="unsupported operator.*using PyTorch"):
        judge = NLIJudge(str(tiny_nli_path))
    assert judge.backend == "torch" and 0.0 <= judge.evaluate("No thanks.", REQ).score <= 1.0


def test_bad_options_name_the_choices(tiny_nli_path):
    with pytest.raises(ValueError, match="backend must be one of"):
        NLIJudge(str(tiny_nli_path), backend="tensorflow")
    with pytest.raises(ValueError, match="quantize must be None or 'int8'"):
        NLIJudge(str(tiny_nli_path), quantize="int4")
    with pytest.raises(ValueError, match="backend='torch'"):
        load_pair_scorer(str(tiny_nli_path), backend="onnx", device="cuda")


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_int8_stays_close_to_fp32(tiny_nli_path, backend):
    pairs = [(t, REQ) for t in TEXTS]
    fp32 = np.array([v.score for v in NLIJudge(str(tiny_nli_path), backend=backend).evaluate_batch(pairs)])
    int8_judge = NLIJudge(str(tiny_nli_path), backend=backend, quantize="int8")
    int8 = np.array([v.score for v in int8_judge.evaluate_batch(pairs)])
    assert int8_judge.model_id.endswith("@int8") and np.max(np.abs(fp32 - int8)) < 0.05


def test_physical_cores_is_a_positive_count():
    assert 1 <= physical_cores() <= (__import__("os").cpu_count() or 1)

"""NLI judge speed: one call per check, batched, int8 batched and cached, against the FLOP floor.

No model hub is reachable here, so both judges load the same cross-encoder built on
disk with the architecture of the default model (``cross-encoder/nli-MiniLM2-L6-H768``:
6 layers, hidden 768, 12 heads, FFN 3072, BERT vocabulary) and seeded random weights.
Speed does not depend on the weights' values; the int8 probability drift printed here is
that of this random model (run with ``--model PATH`` on real NLI weights to see theirs).

Compared with semantix-ai 0.3.3's ``NLIJudge`` (one ``CrossEncoder.predict`` per check, PyTorch;
it has no batch method, and its int8 judge downloads ONNX weights from the hub, so it cannot run
here) and its ``CachingJudge``. Ours runs on its default backend (ONNX Runtime when installed);
the PyTorch backend's rows are printed too. The FLOP floor is the forward-pass FLOPs of the
batch's real token lengths (no padding) at this machine's fp32 matmul speed, timed as one more
case in the same interleaved rounds, so a busy machine slows the floor and the judges alike.
Cache hits are timed over 100 passes of the checks. The int8 row depends on the CPU much more
than the others: int8 matrix products are fast on CPUs with VNNI instructions and gain much less
over fp32 without them; the CPU line of the output says which kind ran the bench.

Targets (issue 13): single check >= 1.3x faster than semantix-ai; int8 batched >= 3x;
batched fp32 <= 1.15x the FLOP floor.

    python bench/bench_judge.py [--pairs 32] [--rounds 5] [--model PATH]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _harness import interleaved, peer_available, ratio, table, timed, verdict  # noqa: E402

REQUIREMENTS = [
    "The text must politely decline an invitation without being rude.",
    "The response must confirm the refund and give the date it will arrive.",
    "The response must apologise and offer a concrete next step.",
    "The text must not give a medical diagnosis.",
]
OPENINGS = [
    "Thank you so much for thinking of me",
    "I'm sorry for the trouble",
    "Your refund is approved",
    "Unfortunately I can't make it",
    "Please see a doctor about this",
    "We have processed your request",
]


def make_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """Outputs of 1 to 6 sentences, as real answers vary in length."""
    rng = random.Random(seed)
    pairs = []
    for i in range(n):
        sentences = [f"{rng.choice(OPENINGS)}, and this is detail {k} of answer {i}." for k in range(rng.randint(1, 6))]
        pairs.append((" ".join(sentences), REQUIREMENTS[i % len(REQUIREMENTS)]))
    return pairs


def build_default_architecture(target: Path) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from langchain_semantix.judges import bundled_minilm_path

    tokenizer = BertTokenizerFast.from_pretrained(bundled_minilm_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=768,
        num_hidden_layers=6,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=512,
        num_labels=3,
        id2label={0: "contradiction", 1: "entailment", 2: "neutral"},
        label2id={"contradiction": 0, "entailment": 1, "neutral": 2},
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def matmul_seconds(flops: float) -> Callable[[], float]:
    """A bench case: seconds this machine's fp32 matmul takes for ``flops`` FLOPs (the FLOP floor).

    The matmul has the shape of the model's feed-forward layer; it is timed in the same rounds
    as the judges, so machine load moves the floor and the judges alike."""
    import torch

    a, b = torch.randn(2048, 768), torch.randn(768, 3072)
    per_call = 2 * 2048 * 768 * 3072
    calls = max(1, round(flops / per_call))

    def run() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            torch.matmul(a, b)
        return (time.perf_counter() - start) * flops / (calls * per_call)

    return run


def batch_flops(model_path: Path, pairs: list[tuple[str, str]], hypothesis: Callable[[str], str]) -> float:
    """Forward FLOPs of the encoder on the pairs' real token lengths (no padding)."""
    from transformers import AutoConfig, AutoTokenizer

    config = AutoConfig.from_pretrained(model_path)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    h, ffn, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    total = 0.0
    for output, requirement in pairs:
        length = len(tokenizer(output, hypothesis(requirement), truncation=True, max_length=512)["input_ids"])
        total += layers * length * (8 * h * h + 4 * h * ffn + 4 * length * h)
    return total


def cpu_description() -> str:
    """The CPU model and whether it has int8 dot-product instructions (VNNI), from ``/proc/cpuinfo``.

    int8 matrix products run on VNNI in one instruction per 4 products; without it (plain AVX2 or
    AVX-512) they take several, so the int8 path gains much less over fp32 there."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown (no /proc/cpuinfo)"
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = next((set(line.split(":", 1)[1].split()) for line in info.splitlines() if line.startswith("flags")), set())
    vnni = sorted(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})
    return f"{model}, {os.cpu_count()} logical CPUs; int8 dot-product instructions: {', '.join(vnni) or 'none (no VNNI)'}"


def per_check(fn: Callable[[], object], n: int) -> Callable[[], float]:
    return lambda: timed(fn, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=32, help="checks per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--model", type=Path, help="a local NLI cross-encoder (default: built on disk)")
    args = parser.parse_args()

    from langchain_semantix import CachedJudge, NLIJudge
    from langchain_semantix.judges.nli import to_hypothesis

    if not peer_available():
        sys.exit(1)
    from semantix.judges.caching import CachingJudge
    from semantix.judges.nli import NLIJudge as PeerNLIJudge

    pairs, n = make_pairs(args.pairs), args.pairs
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("SEMANTIX_ONNX_CACHE", str(Path(tmp) / "onnx"))
        model_path = args.model or build_default_architecture(Path(tmp) / "nli")
        ours, ours_torch = NLIJudge(str(model_path)), NLIJudge(str(model_path), backend="torch")
        ours_int8 = NLIJudge(str(model_path), quantize="int8")
        peer = PeerNLIJudge(str(model_path))
        cached, peer_cached = CachedJudge(ours), CachingJudge(peer, maxsize=10_000)
        for o, r in pairs:
            cached.evaluate(o, r, 0.5)
            peer_cached.evaluate(o, r, 0.5)
        flops = batch_flops(model_path, pairs, to_hypothesis)
        cases = {
            "one": per_check(lambda: [ours.evaluate(o, r) for o, r in pairs], n),
            "peer one": per_check(lambda: [peer.evaluate(o, r) for o, r in pairs], n),
            "batched": per_check(lambda: ours.evaluate_batch(pairs), n),
            "int8": per_check(lambda: ours_int8.evaluate_batch(pairs), n),
            "torch one": per_check(lambda: [ours_torch.evaluate(o, r) for o, r in pairs], n),
            "torch batched": per_check(lambda: ours_torch.evaluate_batch(pairs), n),
            "cached": per_check(lambda: [cached.evaluate(o, r, 0.5) for o, r in pairs * 100], n * 100),
            "peer cached": per_check(lambda: [peer_cached.evaluate(o, r, 0.5) for o, r in pairs * 100], n * 100),
            "floor": per_check(matmul_seconds(flops), n),
        }
        results = interleaved(cases, rounds=args.rounds)
        fp32 = np.array([v.score for v in ours.evaluate_batch(pairs)])
        int8 = np.array([v.score for v in ours_int8.evaluate_batch(pairs)])
        backend = ours.backend

    gflops = flops / n / results["floor"].median / 1e9
    rows = []
    for label, mine, theirs, target in [
        (f"one call per check ({backend})", "one", "peer one", 1.3),
        (f"batched fp32 ({backend})", "batched", "peer one", None),
        (f"int8 batched ({ours_int8.backend})", "int8", "peer one", 3.0),
        ("one call per check (torch backend)", "torch one", "peer one", None),
        ("batched fp32 (torch backend)", "torch batched", "peer one", None),
        ("cached (a repeated check)", "cached", "peer cached", None),
    ]:
        speedup, spread = ratio(results[theirs], results[mine])
        goal = f">= {target}x: {verdict(speedup >= target)}" if target else ""
        ms = 1000 if mine != "cached" else 1_000_000
        unit = "ms" if mine != "cached" else "us"
        rows.append(
            [
                label,
                f"{results[mine].median * ms:.3g} {unit}",
                f"{results[theirs].median * ms:.3g} {unit}",
                f"{speedup:.2f}x",
                f"±{spread:.0%}",
                goal,
            ]
        )
    header = ["path (per check)", "ours", "semantix-ai 0.3.3", "speed-up", "spread", "target"]
    table(f"NLI judge, {n} checks of 1-6 sentences, {args.rounds} interleaved rounds", header, rows)
    vs_floor, floor_spread = ratio(results["batched"], results["floor"])
    torch_floor, _ = ratio(results["torch batched"], results["floor"])
    print(
        "\n".join(
            [
                f"\n- CPU: {cpu_description()}",
                f"- machine fp32 matmul (torch, measured in the same rounds): {gflops:.0f} GFLOP/s",
                f"- FLOPs of the batch (real token lengths, no padding): {flops / 1e9:.1f} GFLOP; "
                f"FLOP floor {results['floor'].median * 1000:.3g} ms per check",
                f"- batched fp32 ({backend}) vs FLOP floor: {vs_floor:.2f}x (±{floor_spread:.0%}) — target <= 1.15x: "
                f"{verdict(vs_floor <= 1.15)}; torch backend: {torch_floor:.2f}x",
                f"- int8 largest entailment-probability change vs fp32: {np.max(np.abs(fp32 - int8)):.4f} "
                "(random weights; pass --model for a real NLI model's)",
            ]
        )
    )


if __name__ == "__main__":
    main()

"""NLI judge speed: one call per check, batched, int8 batched and cached, against the FLOP floor.

No model hub is reachable here, so both judges load the same cross-encoder built on
disk with the architecture of the default model (``cross-encoder/nli-MiniLM2-L6-H768``:
6 layers, hidden 768, 12 heads, FFN 3072, BERT vocabulary) and seeded random weights.
Speed does not depend on the weights' values; the int8 probability drift printed here is
that of this random model (run with ``--model PATH`` on real NLI weights to see theirs).

Compared with semantix-ai 0.3.3's ``NLIJudge`` (one ``CrossEncoder.predict`` per check; its
int8 judge downloads ONNX weights from the hub, so it cannot run here) and its
``CachingJudge``. The FLOP floor is the forward-pass FLOPs of the batch's real token
lengths divided by this machine's measured fp32 matmul GFLOP/s.

Targets (issue 13): single check >= 1.3x faster than semantix-ai; int8 batched >= 3x;
batched fp32 <= 1.15x the FLOP floor.

    python bench/bench_judge.py [--pairs 32] [--rounds 5] [--model PATH]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

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


def machine_gflops() -> float:
    """Sustained fp32 matmul GFLOP/s with the shapes of this model's feed-forward layer."""
    import torch

    a, b = torch.randn(2048, 768), torch.randn(768, 3072)
    torch.matmul(a, b)
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(10):
            torch.matmul(a, b)
        best = max(best, 10 * 2 * 2048 * 768 * 3072 / (time.perf_counter() - start) / 1e9)
    return best


def batch_flops(model_path: Path, pairs: list[tuple[str, str]], hypothesis: object) -> float:
    """Forward FLOPs of the encoder on the pairs' real token lengths (no padding)."""
    from transformers import AutoConfig, AutoTokenizer

    config = AutoConfig.from_pretrained(model_path)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    h, ffn, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    total = 0.0
    for output, requirement in pairs:
        length = len(tokenizer(output, hypothesis(requirement), truncation=True, max_length=512)["input_ids"])  # type: ignore[operator]
        total += layers * length * (8 * h * h + 4 * h * ffn + 4 * length * h)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=32, help="checks per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--model", type=Path, help="a local NLI cross-encoder (default: built on disk)")
    args = parser.parse_args()

    from langchain_semantix import CachedJudge, NLIJudge
    from langchain_semantix.judges.nli import to_hypothesis

    have_peer = peer_available()
    pairs = make_pairs(args.pairs)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = args.model or build_default_architecture(Path(tmp) / "nli")
        ours = NLIJudge(str(model_path))
        ours_int8 = NLIJudge(str(model_path), quantize="int8")
        cached = CachedJudge(ours)
        cached.evaluate_batch(pairs)
        cases = {
            "ours, one call per check": lambda: timed(lambda: [ours.evaluate(o, r) for o, r in pairs], len(pairs)),
            "ours, batched": lambda: timed(lambda: ours.evaluate_batch(pairs), len(pairs)),
            "ours, int8 batched": lambda: timed(lambda: ours_int8.evaluate_batch(pairs), len(pairs)),
            "ours, cached (hits)": lambda: timed(lambda: [cached.evaluate(o, r) for o, r in pairs], len(pairs)),
        }
        if have_peer:
            from semantix.judges.caching import CachingJudge
            from semantix.judges.nli import NLIJudge as PeerNLIJudge

            peer = PeerNLIJudge(str(model_path))
            peer_cached = CachingJudge(peer, maxsize=10_000)
            for o, r in pairs:
                peer_cached.evaluate(o, r)
            cases["semantix-ai, one call per check"] = lambda: timed(lambda: [peer.evaluate(o, r) for o, r in pairs], len(pairs))
            cases["semantix-ai, cached (hits)"] = lambda: timed(lambda: [peer_cached.evaluate(o, r) for o, r in pairs], len(pairs))
        results = interleaved(cases, rounds=args.rounds)
        gflops = machine_gflops()
        floor = batch_flops(model_path, pairs, to_hypothesis) / (gflops * 1e9) / len(pairs)
        fp32 = [v.score or 0.0 for v in ours.evaluate_batch(pairs)]
        int8 = [v.score or 0.0 for v in ours_int8.evaluate_batch(pairs)]

    rows = [[s.name, s.median * 1000, f"±{s.spread:.0%}"] for s in results.values()]
    rows.append(["FLOP floor (fp32, no padding)", floor * 1000, ""])
    table(f"NLI judge, ms per check ({args.pairs} checks of 1-6 sentences)", ["path", "ms/check", "spread"], rows)
    batched_vs_floor = results["ours, batched"].median / floor
    lines = [
        f"- machine fp32 matmul: {gflops:.0f} GFLOP/s",
        f"- batched fp32 vs FLOP floor: {batched_vs_floor:.2f}x — target <= 1.15x: {verdict(batched_vs_floor <= 1.15)}",
        f"- int8 largest entailment-probability change vs fp32: {max(abs(a - b) for a, b in zip(fp32, int8)):.4f}",
    ]
    if have_peer:
        peer_one = results["semantix-ai, one call per check"]
        for name, target in [("ours, one call per check", 1.3), ("ours, batched", None), ("ours, int8 batched", 3.0)]:
            speedup, spread = ratio(peer_one, results[name])
            goal = f" — target >= {target}x: {verdict(speedup >= target)}" if target else ""
            lines.append(f"- {name}: {speedup:.2f}x faster than semantix-ai one call per check (±{spread:.0%}){goal}")
        hit, spread = ratio(results["semantix-ai, cached (hits)"], results["ours, cached (hits)"])
        lines.append(f"- cache hits: {hit:.2f}x semantix-ai's speed (±{spread:.0%})")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()

"""Per-attempt overhead of the retry drivers, with a trivial model and judge.

Every case heals on the second attempt (a draft that fails, then a revision that passes),
so what is timed is the package's own machinery: sessions, events, feedback, the graph.

- ``@validate_intent`` against semantix-ai 0.3.3's ``@validate_intent`` (same function,
  same rule judge);
- the retry runnable, the retry subgraph and an agent with ``IntentMiddleware`` against a
  plain Python loop that calls the same chat model and judge.

Targets (issue 13): decorator <= 1.2x semantix-ai's time per call; subgraph <= 1 ms per
attempt over the plain loop.

    python bench/bench_overhead.py [--calls 200] [--rounds 5]
"""

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _harness import interleaved, peer_available, ratio, table, timed, verdict  # noqa: E402

ATTEMPTS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200, help="healed calls per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()

    from langchain_core.messages import HumanMessage

    from langchain_semantix import Intent, IntentMiddleware, create_retry_subgraph, validate_intent, with_intent_retry
    from langchain_semantix.feedback import render_feedback
    from langchain_semantix.judges.base import Judge, Verdict
    from langchain_semantix.testing import ScriptedChatModel

    class Polite(Intent):
        """The text must politely decline an invitation."""

    class RuleJudge(Judge):
        def evaluate(self, output: str, intent_description: str, threshold: float | None = None) -> Verdict:
            ok = "sorry" in output
            return Verdict(passed=ok, score=0.9 if ok else 0.1, threshold=0.5)

    judge = RuleJudge()
    model = ScriptedChatModel(draft="No. Go away.", revision="So sorry, I can't make it.")
    messages = [HumanMessage("Decline the gala invitation.")]

    @validate_intent(Polite, judge=judge, retries=ATTEMPTS - 1)
    def ours_decorated(event: str, semantix_feedback: str | None = None) -> str:
        return "So sorry, I can't make it." if semantix_feedback else "No. Go away."

    def plain_loop() -> str:
        prompt = list(messages)
        for n in range(1, ATTEMPTS + 1):
            text = model.invoke(prompt).text
            found = judge.evaluate(text, Polite.description())
            if found.passed:
                return text
            prompt = [*prompt, HumanMessage(render_feedback(text, [found], n))]
        raise RuntimeError("did not heal")

    retry = with_intent_retry(model, Polite, judge=judge, max_attempts=3)
    subgraph = create_retry_subgraph(model, Polite, judge=judge, max_attempts=3)

    n = args.calls
    cases = {
        "plain loop (model + judge)": lambda: timed(lambda: [plain_loop() for _ in range(n)], n),
        "ours @validate_intent": lambda: timed(lambda: [ours_decorated("gala") for _ in range(n)], n),
        "ours with_intent_retry": lambda: timed(lambda: [retry.invoke(messages) for _ in range(n)], n),
        "ours retry subgraph": lambda: timed(lambda: [subgraph.invoke({"messages": messages}) for _ in range(n)], n),
    }
    try:
        from langchain.agents import create_agent

        agent = create_agent(model, tools=[], middleware=[IntentMiddleware(Polite, judge=judge, max_attempts=3)])
        cases["ours agent + IntentMiddleware"] = lambda: timed(lambda: [agent.invoke({"messages": messages}) for _ in range(n)], n)
    except ImportError:
        print("langchain is not installed: the middleware case is skipped (pip install 'langchain-semantix[agents]')")

    if peer_available():
        logging.getLogger("semantix").setLevel(logging.WARNING)  # the peer logs every attempt at INFO
        from semantix import Intent as PeerIntent
        from semantix import validate_intent as peer_validate_intent
        from semantix.judges import Judge as PeerJudge
        from semantix.judges import Verdict as PeerVerdict

        class PeerPolite(PeerIntent):
            """The text must politely decline an invitation."""

        class PeerRuleJudge(PeerJudge):
            def evaluate(self, output: str, intent_description: str, threshold: float = 0.5) -> PeerVerdict:
                ok = "sorry" in output
                return PeerVerdict(passed=ok, score=0.9 if ok else 0.1)

        @peer_validate_intent(judge=PeerRuleJudge(), retries=ATTEMPTS - 1)
        def peer_decorated(event: str, semantix_feedback: str | None = None) -> PeerPolite:
            return "So sorry, I can't make it." if semantix_feedback else "No. Go away."  # type: ignore[return-value]

        cases["semantix-ai @validate_intent"] = lambda: timed(lambda: [peer_decorated("gala") for _ in range(n)], n)

    results = interleaved(cases, rounds=args.rounds)
    plain = results["plain loop (model + judge)"].median
    rows = [
        [
            s.name,
            s.median * 1000,
            f"±{s.spread:.0%}",
            (s.median - plain) * 1000 / ATTEMPTS if "plain" not in s.name and "semantix" not in s.name and "decorat" not in s.name else "",
        ]
        for s in results.values()
    ]
    table(f"Heal on attempt 2, ms per call ({n} calls per round)", ["driver", "ms/call", "spread", "ms/attempt over plain loop"], rows)
    lines = []
    per_attempt = (results["ours retry subgraph"].median - plain) * 1000 / ATTEMPTS
    lines.append(f"- subgraph over plain loop: {per_attempt:.2f} ms per attempt — target <= 1 ms: {verdict(per_attempt <= 1.0)}")
    if "semantix-ai @validate_intent" in results:
        slower, spread = ratio(results["ours @validate_intent"], results["semantix-ai @validate_intent"])
        lines.append(f"- decorator: {slower:.2f}x semantix-ai's time per call (±{spread:.0%}) — target <= 1.2x: {verdict(slower <= 1.2)}")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()

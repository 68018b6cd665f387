"""Per-attempt overhead of the retry drivers, with a trivial model and judge.

Every case heals on the second attempt (a draft that fails, then a revision that passes),
so what is timed is the package's own machinery: sessions, events, feedback, the graph.

- ``@validate_intent`` against semantix-ai 0.3.3's ``@validate_intent`` (same function,
  same rule judge);
- the retry runnable, the retry subgraph and an agent with ``IntentMiddleware`` against a
  plain Python loop that calls the same chat model and judge (extra ms per attempt);
- the LangGraph floor: a bare graph with the subgraph's state and one node per attempt
  doing only the model call, the judge and the feedback turn, so the subgraph's figure
  splits into what LangGraph itself costs and what the package adds.

Targets (issue 13): decorator <= 1.2x semantix-ai's time per call; subgraph <= 1 ms per
attempt over the plain loop.

    python bench/bench_overhead.py [--calls 200] [--rounds 5]
"""

import argparse
import logging
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _harness import Series, interleaved, peer_available, ratio, table, timed, verdict  # noqa: E402

ATTEMPTS = 2


LANGGRAPH_FLOOR = "LangGraph floor (1 node/attempt: model + judge)"


def per_attempt(series: Series, baseline: Series) -> tuple[float, float]:
    """Median and spread of the per-round extra milliseconds per attempt of ``series`` over ``baseline``."""
    extra = [(a - b) * 1000 / ATTEMPTS for a, b in zip(series.values, baseline.values)]
    median = statistics.median(extra)
    return median, (max(extra) - min(extra)) / 2 / abs(median) if median and len(extra) > 1 else 0.0


def _langgraph_floor(model: Any, judge: Any, requirement: str, render: Any) -> Any:
    """The least any LangGraph retry loop costs: one node per attempt that calls the model,
    judges and adds the feedback turn, with the subgraph's state schema, and nothing else."""
    from langchain_core.runnables import RunnableConfig
    from langgraph.graph import END, START, MessagesState, StateGraph
    from langgraph.types import Command

    from langchain_semantix.feedback import feedback_message
    from langchain_semantix.graph import RetryState, _RunState

    def attempt(state: dict[str, Any], config: RunnableConfig) -> Command[str]:
        draft = model.invoke(state["messages"], config)
        found = judge.evaluate(draft.text, requirement)
        n = state.get("attempts", 0) + 1 if len(state["messages"]) > 1 else 1
        update = {"messages": [draft], "attempts": n, "passed": found.passed, "history": [], "verdicts": []}
        if not found.passed:
            update["messages"] = [draft, feedback_message(render(draft.text, [found], n))]
        return Command(update=update, goto=END if found.passed else "attempt")

    builder = StateGraph(_RunState, input_schema=MessagesState, output_schema=RetryState)
    builder.add_node("attempt", attempt, destinations=("attempt", END))
    builder.add_edge(START, "attempt")
    return builder.compile()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200, help="healed calls per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()

    from langchain_core.messages import HumanMessage

    from langchain_semantix import Intent, IntentMiddleware, create_retry_subgraph, validate_intent, with_intent_retry
    from langchain_semantix.feedback import feedback_message, render_feedback
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
            prompt = [*prompt, feedback_message(render_feedback(text, [found], n))]
        raise RuntimeError("did not heal")

    floor = _langgraph_floor(model, judge, Polite.description(), render_feedback)
    retry = with_intent_retry(model, Polite, judge=judge, max_attempts=3)
    subgraph = create_retry_subgraph(model, Polite, judge=judge, max_attempts=3)

    n = args.calls
    cases = {
        "plain loop (model + judge)": lambda: timed(lambda: [plain_loop() for _ in range(n)], n),
        "ours @validate_intent": lambda: timed(lambda: [ours_decorated("gala") for _ in range(n)], n),
        "ours with_intent_retry": lambda: timed(lambda: [retry.invoke(messages) for _ in range(n)], n),
        "ours retry subgraph": lambda: timed(lambda: [subgraph.invoke({"messages": messages}) for _ in range(n)], n),
        LANGGRAPH_FLOOR: lambda: timed(lambda: [floor.invoke({"messages": messages}) for _ in range(n)], n),
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
    plain = results["plain loop (model + judge)"]
    loops = [name for name in results if "validate_intent" not in name and name != plain.name]
    rows = [[s.name, s.median * 1000, f"±{s.spread:.0%}", per_attempt(s, plain)[0] if s.name in loops else ""] for s in results.values()]
    table(f"Heal on attempt 2, ms per call ({n} calls per round)", ["driver", "ms/call", "spread", "ms/attempt over plain loop"], rows)
    lines = [
        f"- {name} over the plain loop: {ms:.2f} ms per attempt (±{spread:.0%})"
        for name in loops
        for ms, spread in [per_attempt(results[name], plain)]
    ]
    over_floor, spread = per_attempt(results["ours retry subgraph"], results[LANGGRAPH_FLOOR])
    lines.append(f"- subgraph over the LangGraph floor: {over_floor:.2f} ms per attempt (±{spread:.0%}): the package's own share")
    subgraph, spread = per_attempt(results["ours retry subgraph"], plain)
    lines.append(f"- subgraph over plain loop: {subgraph:.3f} ms per attempt (±{spread:.0%}) — target <= 1 ms: {verdict(subgraph <= 1.0)}")
    if "semantix-ai @validate_intent" in results:
        slower, spread = ratio(results["ours @validate_intent"], results["semantix-ai @validate_intent"])
        lines.append(f"- decorator: {slower:.2f}x semantix-ai's time per call (±{spread:.0%}) — target <= 1.2x: {verdict(slower <= 1.2)}")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()

"""The one place feedback for a failed attempt is written."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_semantix.judges.base import Verdict

__all__ = ["render_feedback", "FEEDBACK_TITLE", "MAX_REJECTED_CHARS"]

FEEDBACK_TITLE = "## Semantix Self-Healing Feedback"
#: How much of the rejected output is quoted back to the model.
MAX_REJECTED_CHARS = 400


def _score(value: float | None) -> str:
    return "N/A" if value is None else f"{value:.4f}"


def render_feedback(
    output: str,
    verdicts: Sequence[Verdict] | Verdict,
    attempt: int,
    *,
    max_output_chars: int = MAX_REJECTED_CHARS,
) -> str:
    """Markdown telling the model why ``output`` was rejected and what is required.

    Only the failing intents — and, for composites, only their failing clauses — are
    listed, each with its score against its threshold. Used by the parser, the retry
    runnable, the decorator, the subgraph and the agent middleware alike.

    Example:
        >>> from langchain_semantix.judges import Verdict
        >>> v = Verdict(passed=False, score=0.12, threshold=0.5, intent="Polite",
        ...             requirement="The text must be polite.")
        >>> print(render_feedback("Go away.", v, attempt=1).splitlines()[0])
        ## Semantix Self-Healing Feedback
    """
    if isinstance(verdicts, Verdict):
        verdicts = [verdicts]
    failing = [v for v in verdicts if not v.passed]
    lines = [FEEDBACK_TITLE, "", f"Attempt **{attempt}** failed validation.", "", "### What went wrong"]
    requirements: list[str] = []
    for verdict in failing:
        lines.append(
            f"- **Intent:** `{verdict.intent or 'requirement'}` — score {_score(verdict.score)} "
            f"(threshold {_score(verdict.threshold)})"
        )
        clauses = verdict.failing_clauses() if verdict.clauses else []
        for clause in clauses:
            marker = "must NOT hold" if clause.negated else "not met"
            lines.append(
                f"  - clause `{clause.intent}` {marker}: score {_score(clause.score)} "
                f"(threshold {_score(clause.threshold)})"
            )
            requirements.append(("NOT: " if clause.negated else "") + (clause.requirement or ""))
        if not clauses:
            if verdict.reason:
                lines.append(f"  - **Judge reason:** {verdict.reason}")
            requirements.append(verdict.requirement or "")
    lines += ["", "### What is required"]
    lines += [f"- {r.strip()}" for r in dict.fromkeys(requirements) if r.strip()]
    shown = output[:max_output_chars]
    if len(output) > max_output_chars:
        shown += f"\n... [{len(output) - max_output_chars} more characters]"
    lines += [
        "",
        "### Your previous output (rejected)",
        "```",
        shown,
        "```",
        "",
        "Please generate a new response that satisfies the requirement above.",
    ]
    return "\n".join(lines)

"""Feedback for a failed attempt: the Markdown text, and the one constructor of feedback turns.

:func:`render_feedback` is the default *renderer*; every driver takes
``feedback_renderer=`` to replace it with any callable of the same shape
(:data:`FeedbackRenderer`). :func:`feedback_message` wraps the text in a human turn that
is marked structurally (its ``name`` is :data:`FEEDBACK_NAME`), so exporters, test
models and anything reading a conversation find feedback turns with
:func:`is_feedback_message` instead of matching a title string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage

from langchain_semantix.errors import require_text
from langchain_semantix.judges.base import Verdict

__all__ = [
    "render_feedback",
    "feedback_message",
    "is_feedback_message",
    "quote_block",
    "FeedbackRenderer",
    "FEEDBACK_NAME",
    "FEEDBACK_TITLE",
    "MAX_REJECTED_CHARS",
]

FEEDBACK_TITLE = "## Semantix Self-Healing Feedback"
#: The ``name`` of every feedback turn: the structural marker.
FEEDBACK_NAME = "semantix_feedback"
#: How much of the rejected output is quoted back to the model.
MAX_REJECTED_CHARS = 400

#: ``renderer(output, verdicts, attempt) -> feedback text``; :func:`render_feedback` is the default.
FeedbackRenderer = Callable[[str, Sequence[Verdict], int], str]

_FENCE_RUN = re.compile(r"`+|~+")


def _score(value: float | None) -> str:
    return "N/A" if value is None else f"{value:.4f}"


def quote_block(text: str) -> str:
    """``text`` in a fenced code block that nothing inside it can close.

    The fence is one backtick longer than the longest run of backticks or tildes in
    ``text`` (at least three). A Markdown fence only closes on a line of the same
    character at least as long, so a quoted ``` or ~~~ stays inside the quote — and
    no line inside even looks like a fence as long as the real one.

    Example:
        >>> print(quote_block("a ``` b"))
        ````
        a ``` b
        ````
    """
    longest = max((len(run) for run in _FENCE_RUN.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _failures(verdicts: Sequence[Verdict]) -> tuple[list[str], list[str]]:
    """(the "What went wrong" lines, the requirements to meet) for the failing verdicts."""
    lines: list[str] = []
    requirements: list[str] = []
    for verdict in (v for v in verdicts if not v.passed):
        lines.append(
            f"- **Intent:** `{verdict.intent or 'requirement'}` — score {_score(verdict.score)} (threshold {_score(verdict.threshold)})"
        )
        clauses = verdict.failing_clauses() if verdict.clauses else []
        for clause in clauses:
            marker = "must NOT hold" if clause.negated else "not met"
            lines.append(f"  - clause `{clause.intent}` {marker}: score {_score(clause.score)} (threshold {_score(clause.threshold)})")
            requirements.append(("NOT: " if clause.negated else "") + (clause.requirement or ""))
        if not clauses:
            if verdict.reason:
                lines.append(f"  - **Judge reason:** {verdict.reason}")
            requirements.append(verdict.requirement or "")
    return lines, requirements


def render_feedback(
    output: str,
    verdicts: Sequence[Verdict] | Verdict,
    attempt: int,
    *,
    max_output_chars: int = MAX_REJECTED_CHARS,
) -> str:
    """Markdown telling the model why ``output`` was rejected and what is required.

    Only the failing intents — and, for composites, only their failing clauses — are
    listed, each with its score against its threshold. The rejected output is quoted
    with :func:`quote_block`, so a draft holding code fences cannot end the quote and
    smuggle instructions into the retry prompt.

    Example:
        >>> from langchain_semantix.judges import Verdict
        >>> v = Verdict(passed=False, score=0.12, threshold=0.5, intent="Polite",
        ...             requirement="The text must be polite.")
        >>> print(render_feedback("Go away.", v, attempt=1).splitlines()[0])
        ## Semantix Self-Healing Feedback
    """
    output = require_text(output)
    if isinstance(verdicts, Verdict):
        verdicts = [verdicts]
    if not isinstance(verdicts, Sequence) or not all(isinstance(v, Verdict) for v in verdicts):
        raise TypeError(f"verdicts must be a Verdict or a list of them (the judge's verdicts for output), got {verdicts!r:.60}")
    wrong, requirements = _failures(verdicts)
    shown = output[:max_output_chars]
    if len(output) > max_output_chars:
        shown += f"\n... [{len(output) - max_output_chars} more characters]"
    lines = [FEEDBACK_TITLE, "", f"Attempt **{attempt}** failed validation.", "", "### What went wrong", *wrong]
    lines += ["", "### What is required"]
    lines += [f"- {r.strip()}" for r in dict.fromkeys(requirements) if r.strip()]
    lines += ["", "### Your previous output (rejected)", quote_block(shown), ""]
    lines.append("Please generate a new response that satisfies the requirement above.")
    return "\n".join(lines)


def feedback_message(text: str, *, id: str | None = None) -> HumanMessage:
    """The human turn that carries feedback to the model, marked with :data:`FEEDBACK_NAME`."""
    return HumanMessage(text, name=FEEDBACK_NAME, id=id)


def is_feedback_message(message: BaseMessage | Mapping[str, Any], *, include_unmarked: bool = False) -> bool:
    """Whether ``message`` (a message or a ``{"role", "content", "name"}`` dict) is a feedback turn.

    Feedback turns are recognised by their marker (``name`` == :data:`FEEDBACK_NAME`).
    ``include_unmarked=True`` also accepts a user turn whose text *starts* with
    :data:`FEEDBACK_TITLE` (only the default renderer writes it; the package itself no
    longer relies on it: exporters also drop the unmarked turns whose text is feedback the
    record lists).
    """
    if type(message) is dict or isinstance(message, Mapping):  # dict first: exporters call this per stored message
        name, role, content = message.get("name"), message.get("role"), message.get("content")
    elif isinstance(message, BaseMessage):
        name, role, content = message.name, message.type, message.content
    else:
        raise TypeError(
            f"message must be a LangChain message or a {{'role', 'content'}} dict, got {type(message).__name__} {message!r:.60}"
        )
    if name == FEEDBACK_NAME:
        return True
    return include_unmarked and role in ("user", "human") and isinstance(content, str) and content.startswith(FEEDBACK_TITLE)

"""Exceptions raised by the package."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.exceptions import OutputParserException

from langchain_semantix.judges.base import Verdict

__all__ = ["SemanticIntentError", "InvalidOutputError"]


class InvalidOutputError(TypeError):
    """The model produced something that is not text (None, bytes, only images, ...)."""


class SemanticIntentError(OutputParserException):
    """An output failed semantic validation.

    A LangChain ``OutputParserException``: ``llm_output`` is the rejected text,
    ``observation`` the Markdown feedback for the model and ``send_to_llm`` is ``True``,
    so LangChain's retry parsers and agents can hand it back to the model. It keeps
    semantix-ai's attributes (``output``, ``intent_name``, ``intent_description``,
    ``score``, ``reason``) and adds every verdict and, when retries ran out, every
    failed attempt.
    """

    def __init__(
        self,
        output: str,
        intent_name: str,
        intent_description: str,
        score: float | None = None,
        reason: str | None = None,
        *,
        verdicts: Sequence[Verdict] = (),
        feedback: str | None = None,
        attempts: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.output = output
        self.intent_name = intent_name
        self.intent_description = intent_description
        self.score = score
        self.reason = reason
        self.verdicts = list(verdicts)
        self.feedback = feedback
        #: Every failed attempt (output, score, reason, feedback) when retries ran out.
        self.attempts = list(attempts)
        score_part = f" (score={score:.4f})" if score is not None else ""
        tried = f" after {len(self.attempts)} attempts" if len(self.attempts) > 1 else ""
        message = (
            f"Output failed semantic validation for '{intent_name}'{score_part}{tried}.\n"
            f"Requirement: {intent_description}\n"
            f"Output (truncated): {output[:200]}"
        )
        super().__init__(message, observation=feedback, llm_output=output, send_to_llm=True)

    @classmethod
    def from_verdicts(
        cls,
        output: str,
        verdicts: Sequence[Verdict],
        feedback: str | None = None,
        attempts: Sequence[dict[str, Any]] = (),
    ) -> SemanticIntentError:
        """Build the error for the failing verdicts of one output."""
        failing = [v for v in verdicts if not v.passed] or list(verdicts)
        first = failing[0]
        return cls(
            output,
            " & ".join(v.intent or "requirement" for v in failing),
            "\n".join(v.requirement or "" for v in failing),
            score=min((v.score for v in failing if v.score is not None), default=None),
            reason=first.reason,
            verdicts=verdicts,
            feedback=feedback,
            attempts=attempts,
        )

    def __reduce__(self) -> Any:
        return (
            _rebuild,
            (self.output, self.intent_name, self.intent_description, self.score, self.reason,
             self.verdicts, self.feedback, self.attempts),
        )


def _rebuild(*args: Any) -> SemanticIntentError:
    output, name, description, score, reason, verdicts, feedback, attempts = args
    return SemanticIntentError(
        output, name, description, score, reason,
        verdicts=verdicts, feedback=feedback, attempts=attempts,
    )

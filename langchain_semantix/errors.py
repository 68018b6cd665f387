"""Every exception the package raises, under one base class :class:`SemantixError`.

``except SemantixError`` catches them all; each also subclasses the builtin (or
LangChain) exception callers already expect: ``SemanticIntentError`` is LangChain's
``OutputParserException``, ``InvalidOutputError`` a ``TypeError``, ``JudgeModelError`` a
``RuntimeError``, ``RecordError`` a ``ValueError``, ``LockTimeoutError`` a ``TimeoutError``,
``StoreConnectionError`` a ``ConnectionError``, and so on. Errors are defined next to the code that
raises them (``training/records.py``, ``training/jsonl.py``...); ``tests/unit_tests/test_errors.py``
checks that every one of them derives from :class:`SemantixError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.exceptions import OutputParserException

if TYPE_CHECKING:
    from langchain_semantix.judges.base import Verdict

__all__ = [
    "SemantixError",
    "SemanticIntentError",
    "InvalidOutputError",
    "NoTextOutputError",
    "JudgeModelError",
    "JudgeReplyError",
    "require_text",
    "require_threshold",
    "SCORE_TOLERANCE",
]

_SURROGATE = re.compile("[\ud800-\udfff]")


class SemantixError(Exception):
    """Base class of every error raised by langchain-semantix."""


class InvalidOutputError(SemantixError, TypeError):
    """Something that should be text is not (None, bytes, only images, ...)."""


class NoTextOutputError(InvalidOutputError, OutputParserException):
    """A model answered without text (only images, tool calls, ...), so there is nothing to
    validate. Also an ``OutputParserException``: ``with_fallbacks`` and LangChain's retry
    parsers treat it as a bad answer, like any other output that fails to parse."""

    def __init__(self, message: str) -> None:
        OutputParserException.__init__(self, message)


class JudgeModelError(SemantixError, RuntimeError):
    """The judge's model could not be loaded or does not fit the judge."""


class JudgeReplyError(SemantixError, ValueError):
    """A judge's model answered with something that is not a verdict (e.g. an LLM judge's free text)."""


def _readable(text: str, what: str) -> str:
    if text.isascii():
        return text
    found = _SURROGATE.search(text)
    if found is not None:
        raise InvalidOutputError(
            f"{what} holds a lone surrogate ({found.group()!r} at position {found.start()}), text UTF-8 cannot "
            "encode - usually bytes decoded with errors='surrogateescape' or a broken JSON escape. "
            "Clean it first, e.g. text.encode('utf-8', 'replace').decode('utf-8')."
        )
    return text


def require_text(value: object, *, what: str = "output") -> str:
    """The text of ``value``: a ``str``, or a message (a LangChain message or a recorded
    ``{"role", "content"}`` dict) / generation with text content.

    The one "get text or complain" helper of the package: anything else raises
    :class:`InvalidOutputError` naming what was found and how to fix it.

    Example:
        >>> require_text("hello")
        'hello'
    """
    if isinstance(value, str):
        return _readable(value, what)
    if value is None:
        raise InvalidOutputError(f"{what} is None: the model returned no text. Check the model call, or pass the text you want judged.")
    if isinstance(value, (bytes, bytearray)):
        raise InvalidOutputError(f"{what} is {type(value).__name__}, not str: decode it first, e.g. value.decode('utf-8').")
    content = value.get("content") if isinstance(value, Mapping) else getattr(value, "content", None)
    if content is None and hasattr(value, "text") and isinstance(value.text, str):
        return _readable(value.text, what)  # a Generation
    if isinstance(content, str):
        return _readable(content, what)
    if isinstance(content, list):
        texts = [b if isinstance(b, str) else b["text"] for b in content if _is_text_block(b)]
        if texts or not content:
            return _readable("".join(texts), what)
        kinds = ", ".join(str(b.get("type")) if isinstance(b, dict) else type(b).__name__ for b in content)
        raise NoTextOutputError(
            f"the message has no text content to validate (content blocks: {kinds}); "
            "ask the model for a text answer, or validate the text of another message"
        )
    raise InvalidOutputError(
        f"{what} must be a str, got {type(value).__name__}. Pass the text (e.g. message.text) or a message with text content."
    )


#: How far past 0 or 1 a judge's score may stray and still be taken as a score: float32
#: arithmetic (a cosine of equal vectors, a softmax) can land a rounding step outside.
SCORE_TOLERANCE = 1e-6


def require_threshold(value: object, *, what: str = "threshold") -> float:
    """``value`` as a pass mark: a number from 0 to 1. Anything else (a string, a bool, NaN,
    1.5) raises naming ``what`` and the fix: ``TypeError`` for a wrong type, ``ValueError``
    for a number out of range.

    Example:
        >>> require_threshold(0.7)
        0.7
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number between 0 and 1, got {value!r:.60}; e.g. 0.5")  # a 50 MB string stays out
    if not 0.0 <= value <= 1.0:  # NaN fails this too
        raise ValueError(f"{what} must be between 0 and 1, got {value!r:.60}; e.g. 0.5")
    return float(value)


def _is_text_block(block: object) -> bool:
    return isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str))


class SemanticIntentError(OutputParserException, SemantixError):
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
        attempts: Sequence[Any] = (),
    ) -> SemanticIntentError:
        """Build the error for the failing verdicts of one output."""
        failing = [v for v in verdicts if not v.passed] or list(verdicts)
        return cls(
            output,
            " & ".join(v.intent or "requirement" for v in failing),
            "\n".join(v.requirement or "" for v in failing),
            score=min((v.score for v in failing if v.score is not None), default=None),
            reason=failing[0].reason if failing else None,
            verdicts=verdicts,
            feedback=feedback,
            attempts=attempts,
        )

    def __reduce__(self) -> Any:
        fields = (self.output, self.intent_name, self.intent_description, self.score, self.reason)
        return (_rebuild, (*fields, self.verdicts, self.feedback, self.attempts))


def _rebuild(*args: Any) -> SemanticIntentError:
    output, name, description, score, reason, verdicts, feedback, attempts = args
    return SemanticIntentError(output, name, description, score, reason, verdicts=verdicts, feedback=feedback, attempts=attempts)

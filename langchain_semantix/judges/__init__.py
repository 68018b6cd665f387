"""Judges: decide whether an output satisfies a plain-English requirement.

Names are loaded on first use (a judge's model stack is imported only when that judge
is), and are visible to type checkers through the ``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from langchain_semantix.judges.base import Judge, Verdict

if TYPE_CHECKING:
    from langchain_semantix.errors import JudgeModelError
    from langchain_semantix.judges.cache import CachedJudge
    from langchain_semantix.judges.embedding import EmbeddingJudge, bundled_minilm_path
    from langchain_semantix.judges.llm import JudgeAssessment, LLMJudge
    from langchain_semantix.judges.nli import DEFAULT_NLI_MODEL, NLIJudge, to_hypothesis

_EXPORTS: dict[str, str] = {
    "NLIJudge": "langchain_semantix.judges.nli",
    "EmbeddingJudge": "langchain_semantix.judges.embedding",
    "LLMJudge": "langchain_semantix.judges.llm",
    "JudgeAssessment": "langchain_semantix.judges.llm",
    "CachedJudge": "langchain_semantix.judges.cache",
    "JudgeModelError": "langchain_semantix.errors",
    "DEFAULT_NLI_MODEL": "langchain_semantix.judges.nli",
    "to_hypothesis": "langchain_semantix.judges.nli",
    "bundled_minilm_path": "langchain_semantix.judges.embedding",
}

__all__ = [
    "Judge",
    "Verdict",
    "NLIJudge",
    "EmbeddingJudge",
    "LLMJudge",
    "JudgeAssessment",
    "CachedJudge",
    "JudgeModelError",
    "DEFAULT_NLI_MODEL",
    "to_hypothesis",
    "bundled_minilm_path",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'langchain_semantix.judges' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

"""Judges: decide whether an output satisfies a plain-English requirement.

Names are loaded on first use (a judge's model stack is imported only when that judge
is), and are visible to type checkers through the ``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_semantix._lazy import lazy_exports
from langchain_semantix.judges.base import Judge, Verdict

if TYPE_CHECKING:
    from langchain_semantix.errors import JudgeModelError
    from langchain_semantix.judges.cache import CachedJudge
    from langchain_semantix.judges.embedding import EmbeddingJudge, bundled_minilm_path
    from langchain_semantix.judges.llm import JudgeAssessment, LLMJudge
    from langchain_semantix.judges.nli import DEFAULT_NLI_MODEL, NLIJudge, to_hypothesis
    from langchain_semantix.judges.specs import load_judge

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
    "load_judge": "langchain_semantix.judges.specs",
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
    "load_judge",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

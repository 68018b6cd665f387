"""Judges: decide whether an output satisfies a plain-English requirement."""

from langchain_semantix.judges.base import Judge, Verdict
from langchain_semantix.judges.cache import CachedJudge
from langchain_semantix.judges.embedding import EmbeddingJudge, bundled_minilm_path
from langchain_semantix.judges.llm import JudgeAssessment, LLMJudge
from langchain_semantix.judges.nli import (
    DEFAULT_NLI_MODEL,
    JudgeModelError,
    NLIJudge,
    to_hypothesis,
)

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

"""langchain-semantix: semantic guardrails for LangChain and LangGraph whose every
correction becomes fine-tuning data.

Every public name is loaded on first use, so ``import langchain_semantix`` costs
almost nothing; type checkers see them all through the ``TYPE_CHECKING`` imports.

Example:
    .. code-block:: python

        from langchain_semantix import Intent, IntentParser

        class PoliteDecline(Intent):
            \"\"\"The text must politely decline an invitation.\"\"\"

        chain = prompt | model | IntentParser(PoliteDecline)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_semantix.decorator import validate_intent
    from langchain_semantix.errors import InvalidOutputError, JudgeModelError, SemanticIntentError, SemantixError
    from langchain_semantix.feedback import render_feedback
    from langchain_semantix.graph import create_retry_subgraph
    from langchain_semantix.intents import AllOf, AnyOf, Intent, Not
    from langchain_semantix.judges import CachedJudge, EmbeddingJudge, Judge, LLMJudge, NLIJudge, Verdict
    from langchain_semantix.middleware import IntentMiddleware
    from langchain_semantix.parser import IntentParser
    from langchain_semantix.retry import IntentRetry, with_intent_retry
    from langchain_semantix.scoring import judge_intents
    from langchain_semantix.training import TrainingCollector, TrainingDataLogger

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "Intent": "intents",
    "AllOf": "intents",
    "AnyOf": "intents",
    "Not": "intents",
    "Verdict": "judges",
    "Judge": "judges",
    "NLIJudge": "judges",
    "EmbeddingJudge": "judges",
    "LLMJudge": "judges",
    "CachedJudge": "judges",
    "JudgeModelError": "errors",
    "SemantixError": "errors",
    "IntentParser": "parser",
    "IntentRetry": "retry",
    "with_intent_retry": "retry",
    "SemanticIntentError": "errors",
    "InvalidOutputError": "errors",
    "validate_intent": "decorator",
    "render_feedback": "feedback",
    "judge_intents": "scoring",
    "TrainingCollector": "training",
    "TrainingDataLogger": "training",
    "create_retry_subgraph": "graph",
    "IntentMiddleware": "middleware",
}

__all__ = [
    "Intent",
    "AllOf",
    "AnyOf",
    "Not",
    "Verdict",
    "Judge",
    "NLIJudge",
    "EmbeddingJudge",
    "LLMJudge",
    "CachedJudge",
    "JudgeModelError",
    "SemantixError",
    "IntentParser",
    "IntentRetry",
    "with_intent_retry",
    "SemanticIntentError",
    "InvalidOutputError",
    "validate_intent",
    "render_feedback",
    "judge_intents",
    "TrainingCollector",
    "TrainingDataLogger",
    "create_retry_subgraph",
    "IntentMiddleware",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'langchain_semantix' has no attribute {name!r}")
    value = getattr(import_module(f"langchain_semantix.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

"""langchain-semantix: semantic guardrails for LangChain and LangGraph whose every
correction becomes fine-tuning data."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_semantix.decorator import validate_intent
    from langchain_semantix.errors import InvalidOutputError, SemanticIntentError
    from langchain_semantix.feedback import render_feedback
    from langchain_semantix.graph import create_retry_subgraph
    from langchain_semantix.intents import AllOf, AnyOf, Intent, Not
    from langchain_semantix.judges import (
        CachedJudge,
        EmbeddingJudge,
        Judge,
        JudgeModelError,
        LLMJudge,
        NLIJudge,
        Verdict,
    )
    from langchain_semantix.middleware import IntentMiddleware
    from langchain_semantix.parser import IntentParser
    from langchain_semantix.retry import IntentRetry, with_intent_retry
    from langchain_semantix.training import TrainingCollector, TrainingDataLogger
    from langchain_semantix.validation import judge_intents

__version__ = "0.1.0"

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


# Names load on first use (PEP 562), so `import langchain_semantix` and the CLI's `--help`
# do not pay for LangChain, LangGraph or torch until something needs them.
_LAZY: dict[str, str] = {
    "validate_intent": "decorator",
    "InvalidOutputError": "errors",
    "SemanticIntentError": "errors",
    "render_feedback": "feedback",
    "AllOf": "intents",
    "AnyOf": "intents",
    "Intent": "intents",
    "Not": "intents",
    "CachedJudge": "judges",
    "EmbeddingJudge": "judges",
    "Judge": "judges",
    "JudgeModelError": "judges",
    "LLMJudge": "judges",
    "NLIJudge": "judges",
    "Verdict": "judges",
    "IntentParser": "parser",
    "IntentRetry": "retry",
    "with_intent_retry": "retry",
    "TrainingCollector": "training",
    "TrainingDataLogger": "training",
    "judge_intents": "validation",
    "create_retry_subgraph": "graph",
    "IntentMiddleware": "middleware",
}


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(f"langchain_semantix.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'langchain_semantix' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

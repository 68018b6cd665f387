"""langchain-semantix: semantic guardrails for LangChain and LangGraph whose every
correction becomes fine-tuning data."""

from langchain_semantix.decorator import validate_intent
from langchain_semantix.errors import InvalidOutputError, SemanticIntentError
from langchain_semantix.feedback import render_feedback
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


def __getattr__(name: str) -> object:
    # The graph and the agent middleware import langgraph/langchain pieces that plain
    # parser users do not need; load them on first use.
    if name == "create_retry_subgraph":
        from langchain_semantix.graph import create_retry_subgraph

        return create_retry_subgraph
    if name == "IntentMiddleware":
        from langchain_semantix.middleware import IntentMiddleware

        return IntentMiddleware
    raise AttributeError(f"module 'langchain_semantix' has no attribute {name!r}")

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

from typing import TYPE_CHECKING

from langchain_semantix._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers see; `X as X` marks each name re-exported (tests/unit_tests/test_imports.py pins it to _EXPORTS)
    from langchain_semantix.decorator import validate_intent as validate_intent
    from langchain_semantix.errors import (
        InvalidOutputError as InvalidOutputError,
    )
    from langchain_semantix.errors import (
        JudgeModelError as JudgeModelError,
    )
    from langchain_semantix.errors import (
        SemanticIntentError as SemanticIntentError,
    )
    from langchain_semantix.errors import (
        SemantixError as SemantixError,
    )
    from langchain_semantix.feedback import render_feedback as render_feedback
    from langchain_semantix.graph import create_retry_subgraph as create_retry_subgraph
    from langchain_semantix.intents import AllOf as AllOf
    from langchain_semantix.intents import AnyOf as AnyOf
    from langchain_semantix.intents import Intent as Intent
    from langchain_semantix.intents import Not as Not
    from langchain_semantix.judges import (
        CachedJudge as CachedJudge,
    )
    from langchain_semantix.judges import (
        EmbeddingJudge as EmbeddingJudge,
    )
    from langchain_semantix.judges import (
        Judge as Judge,
    )
    from langchain_semantix.judges import (
        LLMJudge as LLMJudge,
    )
    from langchain_semantix.judges import (
        NLIJudge as NLIJudge,
    )
    from langchain_semantix.judges import (
        Verdict as Verdict,
    )
    from langchain_semantix.middleware import IntentMiddleware as IntentMiddleware
    from langchain_semantix.parser import IntentParser as IntentParser
    from langchain_semantix.retry import IntentRetry as IntentRetry
    from langchain_semantix.retry import with_intent_retry as with_intent_retry
    from langchain_semantix.scoring import judge_intents as judge_intents
    from langchain_semantix.training import TrainingCollector as TrainingCollector
    from langchain_semantix.training import TrainingDataLogger as TrainingDataLogger

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "Intent": "langchain_semantix.intents",
    "AllOf": "langchain_semantix.intents",
    "AnyOf": "langchain_semantix.intents",
    "Not": "langchain_semantix.intents",
    "Verdict": "langchain_semantix.judges",
    "Judge": "langchain_semantix.judges",
    "NLIJudge": "langchain_semantix.judges",
    "EmbeddingJudge": "langchain_semantix.judges",
    "LLMJudge": "langchain_semantix.judges",
    "CachedJudge": "langchain_semantix.judges",
    "JudgeModelError": "langchain_semantix.errors",
    "SemantixError": "langchain_semantix.errors",
    "IntentParser": "langchain_semantix.parser",
    "IntentRetry": "langchain_semantix.retry",
    "with_intent_retry": "langchain_semantix.retry",
    "SemanticIntentError": "langchain_semantix.errors",
    "InvalidOutputError": "langchain_semantix.errors",
    "validate_intent": "langchain_semantix.decorator",
    "render_feedback": "langchain_semantix.feedback",
    "judge_intents": "langchain_semantix.scoring",
    "TrainingCollector": "langchain_semantix.training",
    "TrainingDataLogger": "langchain_semantix.training",
    "create_retry_subgraph": "langchain_semantix.graph",
    "IntentMiddleware": "langchain_semantix.middleware",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

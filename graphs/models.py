"""Where the example graphs get their chat model and judge.

By default (no configuration) both are offline and deterministic: a
:class:`~langchain_semantix.testing.ScriptedChatModel` that answers rudely until it
sees the judge's feedback, and a :class:`~langchain_semantix.testing.KeywordJudge`.

To use a real provider, set ``SEMANTIX_MODEL`` to an ``init_chat_model`` spec before
the server starts, e.g.::

    pip install langchain-openai
    export SEMANTIX_MODEL=openai:gpt-4o-mini OPENAI_API_KEY=...
    langgraph dev

The chat model is then created on its first call (not at import), and answers are
judged by the default :class:`~langchain_semantix.NLIJudge`, loaded on first use
(``SEMANTIX_NLI_MODEL`` points it at local weights).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from langchain_semantix import Judge
from langchain_semantix.testing import KeywordJudge, ScriptedChatModel

__all__ = ["MODEL_ENV_VAR", "chat_model", "judge"]

MODEL_ENV_VAR = "SEMANTIX_MODEL"

Reply = str | Callable[[str], str]


def _configured_spec() -> str | None:
    return os.environ.get(MODEL_ENV_VAR) or None


@functools.cache
def _provider_model(spec: str) -> BaseChatModel:
    from langchain.chat_models import init_chat_model

    return init_chat_model(spec)


def chat_model(draft: Reply, revision: Reply) -> Runnable[Any, Any]:
    """The graph's chat model: scripted (``draft`` until feedback, then ``revision``),
    or the provider named by ``$SEMANTIX_MODEL``, created lazily on its first call."""
    spec = _configured_spec()
    if spec is None:
        return ScriptedChatModel(draft=draft, revision=revision)

    def invoke(messages: Any, config: RunnableConfig) -> Any:
        return _provider_model(spec).invoke(messages, config)

    async def ainvoke(messages: Any, config: RunnableConfig) -> Any:
        return await _provider_model(spec).ainvoke(messages, config)

    return RunnableLambda(invoke, afunc=ainvoke, name=spec)


def judge(fail_words: Sequence[str]) -> Judge | None:
    """The graph's judge: a keyword judge offline; ``None`` (the default NLI judge,
    loaded on first use) when a real provider is configured."""
    return None if _configured_spec() else KeywordJudge(fail_words=fail_words)

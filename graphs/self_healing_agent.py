"""A self-healing agent: the retry subgraph as the answering node of a parent graph.

Offline by default (a scripted model and a keyword judge); set SEMANTIX_MODEL=provider:name
to use a real chat model through init_chat_model and the NLI judge.
"""

from __future__ import annotations

import os

from langgraph.graph import START, MessagesState, StateGraph

from langchain_semantix import Intent, create_retry_subgraph
from langchain_semantix.testing import KeywordJudge, ScriptedChatModel


class PoliteDecline(Intent):
    """The text must politely decline an invitation without being rude."""


def _model_and_judge():  # type: ignore[no-untyped-def]
    if os.environ.get("SEMANTIX_MODEL"):
        from langchain.chat_models import init_chat_model

        from langchain_semantix import NLIJudge

        return init_chat_model(os.environ["SEMANTIX_MODEL"]), NLIJudge()
    model = ScriptedChatModel(draft="No. Stop inviting me.",
                              revision="Thank you so much for the invitation, but I can't make it this time.")
    return model, KeywordJudge(fail_words=["no.", "stop"])


model, judge = _model_and_judge()
builder = StateGraph(MessagesState)
builder.add_node("answer", create_retry_subgraph(model, PoliteDecline, judge=judge, on_exhausted="best"))
builder.add_edge(START, "answer")
graph = builder.compile(name="self_healing_agent")

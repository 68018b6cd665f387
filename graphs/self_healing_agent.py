"""A self-healing agent: the retry subgraph as the answering node of a parent graph.

Input and output are ``MessagesState``: send ``{"messages": [{"role": "human",
"content": "Decline the gala"}]}``; the last message is an answer that passed the
judge (or the best attempt, after three). Offline by default; see :mod:`graphs.models`.
"""

from __future__ import annotations

from langgraph.graph import START, MessagesState, StateGraph

from graphs import models
from graphs.intents import PoliteDecline
from langchain_semantix import create_retry_subgraph

__all__ = ["graph", "PoliteDecline"]

_answer = create_retry_subgraph(
    models.chat_model(
        draft="No. Stop inviting me.",
        revision="Thank you so much for the invitation, but I can't make it this time.",
    ),
    PoliteDecline,
    judge=models.judge(fail_words=["no.", "stop"]),
    on_exhausted="best",
)

builder = StateGraph(MessagesState)
builder.add_node("answer", _answer)
builder.add_edge(START, "answer")
graph = builder.compile(name="self_healing_agent")

"""Converting between what chains pass around and the messages / dicts the package records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue

from langchain_semantix.errors import InvalidOutputError, require_text

__all__ = ["to_messages", "messages_to_dicts"]

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def to_messages(value: Any) -> list[BaseMessage]:
    """Messages from a str, a PromptValue, a message, a list of messages or a dict with ``messages``."""
    if isinstance(value, PromptValue):
        return value.to_messages()
    if isinstance(value, BaseMessage):
        return [value]
    if isinstance(value, dict) and "messages" in value:
        value = value["messages"]
    if isinstance(value, str):
        return convert_to_messages([("human", value)])
    if isinstance(value, (bytes, bytearray)):  # a Sequence too, of ints
        raise TypeError(f"the prompt is {type(value).__name__}, not str: decode it first, e.g. prompt.decode('utf-8')")
    if isinstance(value, Sequence):
        return convert_to_messages(value)
    raise TypeError(
        f"expected a prompt (str, PromptValue or messages), got {type(value).__name__}; put a "
        "prompt template in front, e.g. prompt | with_intent_retry(model, MyIntent)"
    )


def messages_to_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """OpenAI-style ``{"role", "content"}`` dicts (``name``, tool calls and ``tool_call_id`` kept when present)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        try:
            content: Any = require_text(message)
        except InvalidOutputError:
            content = message.content
        item: dict[str, Any] = {"role": _ROLES.get(message.type, message.type), "content": content}
        if message.name:
            item["name"] = message.name
        tool_calls = getattr(message, "tool_calls", None)
        if tool_calls:
            item["tool_calls"] = [dict(tc) for tc in tool_calls]
        tool_call_id = getattr(message, "tool_call_id", None)
        if tool_call_id:  # a tool result names the call it answers (OpenAI's format requires it)
            item["tool_call_id"] = tool_call_id
        out.append(item)
    return out

"""Getting plain text out of whatever a model or chain returned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue

from langchain_semantix.errors import InvalidOutputError

__all__ = ["message_text", "to_messages", "messages_to_dicts"]


def message_text(value: Any) -> str:
    """The text of a str, a message (content string or content-block list) or a Generation.

    Raises :class:`InvalidOutputError` for None, bytes, and content with no text blocks
    (e.g. only an image), naming what was found.
    """
    if isinstance(value, str):
        return value
    if value is None:
        raise InvalidOutputError("the model returned None instead of text")
    if isinstance(value, (bytes, bytearray)):
        raise InvalidOutputError("the model returned bytes; decode them to str first")
    content = getattr(value, "content", value)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts, kinds = [], []
        for block in content:
            if isinstance(block, str):
                texts.append(block)
            elif isinstance(block, dict):
                kinds.append(str(block.get("type")))
                if block.get("type") == "text" and isinstance(block.get("text"), str):
                    texts.append(block["text"])
        if texts or not content:
            return "".join(texts)
        raise InvalidOutputError(
            f"the message has no text content to validate (content blocks: {', '.join(kinds)})"
        )
    raise InvalidOutputError(
        f"cannot validate a {type(value).__name__}; expected str or a message with text content"
    )


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
    if isinstance(value, Sequence):
        return convert_to_messages(value)
    raise TypeError(
        f"expected a prompt (str, PromptValue or messages), got {type(value).__name__}; put a "
        "prompt template in front, e.g. prompt | with_intent_retry(model, MyIntent)"
    )


def messages_to_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """OpenAI-style ``{"role", "content"}`` dicts (tool calls kept when present)."""
    roles = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
    out: list[dict[str, Any]] = []
    for message in messages:
        role = roles.get(message.type, message.type)
        try:
            content: Any = message_text(message)
        except InvalidOutputError:
            content = message.content
        item: dict[str, Any] = {"role": role, "content": content}
        tool_calls = getattr(message, "tool_calls", None)
        if tool_calls:
            item["tool_calls"] = [dict(tc) for tc in tool_calls]
        out.append(item)
    return out

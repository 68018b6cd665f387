"""_messages.py: prompts in every shape chains pass become messages; messages become the dicts records keep."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate

from langchain_semantix._messages import messages_to_dicts, to_messages


@pytest.mark.parametrize(
    "value",
    [
        "hello",
        HumanMessage("hello"),
        [("human", "hello")],
        {"messages": [HumanMessage("hello")]},
        ChatPromptTemplate.from_messages([("human", "{q}")]).invoke({"q": "hello"}),
    ],
)
def test_every_prompt_shape_becomes_messages(value):
    (message,) = to_messages(value)
    assert isinstance(message, HumanMessage) and message.content == "hello"


def test_something_that_is_no_prompt_says_to_put_a_template_in_front():
    with pytest.raises(TypeError, match="got int; put a prompt template in front"):
        to_messages(42)


def test_messages_become_openai_style_dicts():
    call = {"name": "lookup", "args": {"q": "x"}, "id": "c1", "type": "tool_call"}
    dicts = messages_to_dicts(
        [
            SystemMessage("be brief"),
            HumanMessage([{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}], name="ana"),
            AIMessage("", tool_calls=[call]),
            ToolMessage("found", tool_call_id="c1"),
        ]
    )
    assert dicts[0] == {"role": "system", "content": "be brief"}
    assert dicts[1] == {"role": "user", "content": "hi there", "name": "ana"}  # text blocks joined
    assert dicts[2]["role"] == "assistant" and dicts[2]["tool_calls"][0]["name"] == "lookup"
    assert dicts[3] == {"role": "tool", "content": "found", "tool_call_id": "c1"}


def test_content_without_text_is_kept_as_its_blocks():
    image = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}]
    assert messages_to_dicts([HumanMessage(image)]) == [{"role": "user", "content": image}]

import asyncio

import pytest
from langchain_core.prompts import ChatPromptTemplate

from langchain_semantix import SemanticIntentError, validate_intent, with_intent_retry
from langchain_semantix.feedback import FEEDBACK_TITLE
from langchain_semantix.testing import ScriptedChatModel
from tests.conftest import Polite


def test_retry_heals_with_feedback(judge, healing_model):
    prompt = ChatPromptTemplate.from_messages([("system", "Be kind."), ("human", "{event}")])
    text = (prompt | with_intent_retry(healing_model, Polite, judge=judge)).invoke({"event": "the gala"})
    assert text == "Thank you for asking about the gala, but I can't attend."
    second = healing_model.calls[1]
    assert [m.type for m in second] == ["system", "human", "ai", "human"]
    assert second[2].content == "No. Go away."
    assert FEEDBACK_TITLE in second[3].content and Polite.description() in second[3].content
    assert "0.0500" in second[3].content


def test_retry_exhausted_lists_attempts(judge):
    model = ScriptedChatModel(draft="go away")
    with pytest.raises(SemanticIntentError) as info:
        with_intent_retry(model, Polite, judge=judge, max_attempts=3).invoke("x")
    assert len(info.value.attempts) == 3 and "after 3 attempts" in str(info.value)
    # only the latest correction is in each prompt by default
    assert len(model.calls[2]) == 3


def test_retry_async_and_bad_attempts(judge, healing_model):
    chain = with_intent_retry(healing_model, Polite, judge=judge)
    assert "can't attend" in asyncio.run(chain.ainvoke("the party"))
    with pytest.raises(ValueError, match="max_attempts"):
        with_intent_retry(healing_model, Polite, judge=judge, max_attempts=0)


def test_decorator_feeds_back_and_raises(judge, healing_model):
    seen = []

    @validate_intent(retries=1, judge=judge)
    def decline(event: str, semantix_feedback: str | None = None) -> Polite:
        seen.append(semantix_feedback)
        return healing_model.invoke([("human", event)] + ([("human", semantix_feedback)] if semantix_feedback else []))

    assert "can't attend" in decline("the BBQ")
    assert seen[0] is None and FEEDBACK_TITLE in seen[1]

    @validate_intent(retries=2, judge=judge)
    def rude(event: str) -> Polite:
        return "go away"

    with pytest.raises(SemanticIntentError) as info:
        rude("x")
    assert len(info.value.attempts) == 3


def test_decorator_async(judge):
    @validate_intent(Polite, judge=judge)
    async def fine() -> str:
        return "Thank you, no."

    assert asyncio.run(fine()) == "Thank you, no."


def test_decorator_requires_an_intent(judge):
    with pytest.raises(TypeError, match="not annotated with an Intent"):
        @validate_intent(judge=judge)
        def plain() -> str:
            return "x"
    with pytest.raises(ValueError, match="retries"):
        validate_intent(retries=-1)

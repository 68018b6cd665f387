import pytest

from langchain_semantix import SemanticIntentError, TrainingCollector, validate_intent
from langchain_semantix.feedback import FEEDBACK_TITLE, feedback_message
from langchain_semantix.testing import ScriptedChatModel
from tests.conftest import Polite


def test_decorator_feeds_back_and_raises(judge, healing_model):
    seen = []

    @validate_intent(retries=1, judge=judge)
    def decline(event: str, semantix_feedback: str | None = None) -> Polite:
        seen.append(semantix_feedback)
        return healing_model.invoke([("human", event)] + ([feedback_message(semantix_feedback)] if semantix_feedback else []))

    assert "can't attend" in decline("the BBQ")
    assert seen[0] is None and FEEDBACK_TITLE in seen[1]

    @validate_intent(retries=2, judge=judge)
    def rude(event: str) -> Polite:
        return "go away"

    with pytest.raises(SemanticIntentError) as info:
        rude("x")
    assert len(info.value.attempts) == 3


async def test_decorator_async(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    model = ScriptedChatModel(draft="go away", revision="Thank you, no.")

    @validate_intent(Polite, judge=judge, retries=1, collector=collector)
    async def decline(semantix_feedback: str | None = None) -> str:
        messages = [("human", "Decline the gala")] + ([feedback_message(semantix_feedback)] if semantix_feedback else [])
        return (await model.ainvoke(messages)).text

    assert await decline() == "Thank you, no."
    (record,) = list(collector.records())
    assert record["prompt_messages"][0]["content"] == "Decline the gala" and record["model"] == "scripted"
    assert record["run_id"] and record["metadata"]["source"] == "validate_intent"


def test_decorator_requires_an_intent(judge):
    with pytest.raises(TypeError, match="not annotated with an Intent"):

        @validate_intent(judge=judge)
        def plain() -> str:
            return "x"

    with pytest.raises(ValueError, match="retries"):
        validate_intent(retries=-1)


def test_decorator_records_the_prompt_of_the_model_call_inside(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl")

    @validate_intent(retries=1, judge=judge, collector=collector)
    def decline(event: str, semantix_feedback: str | None = None) -> Polite:
        messages = [("system", "Be kind."), ("human", event)] + ([feedback_message(semantix_feedback)] if semantix_feedback else [])
        return healing_model.invoke(messages).text

    decline("the gala")
    decline("the picnic")  # a second call reuses the decorated function's policy
    records = list(collector.records())
    assert [r["prompt_messages"][1]["content"] for r in records] == ["the gala", "the picnic"]
    assert all(r["prompt_messages"][0]["role"] == "system" and r["model"] == "scripted" for r in records)


def test_feedback_of_a_custom_renderer_does_not_leak_into_exported_prompts(tmp_path, judge):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from langchain_semantix.training.exporters import export_openai

    collector = TrainingCollector(tmp_path / "c.jsonl")
    model = GenericFakeChatModel(messages=iter([AIMessage("go away"), AIMessage("Thank you, but no.")]))

    @validate_intent(
        retries=1, judge=judge, collector=collector, feedback_renderer=lambda output, verdicts, n: f"Attempt {n} was rude; be polite."
    )
    def decline(event: str, semantix_feedback: str | None = None) -> Polite:
        messages = [("human", event)] + ([("human", semantix_feedback)] if semantix_feedback else [])  # a plain, unmarked turn
        return model.invoke(messages).text

    assert decline("Decline the gala") == "Thank you, but no."
    exported = export_openai(collector.path, tmp_path / "sft.jsonl").destination.read_text()
    assert "was rude" not in exported and "Decline the gala" in exported

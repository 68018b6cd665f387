import asyncio
from typing import Any

import pytest
from langchain_core.prompts import ChatPromptTemplate

from langchain_semantix import IntentRetry, SemanticIntentError, TrainingCollector, with_intent_retry
from langchain_semantix.feedback import FEEDBACK_TITLE, is_feedback_message
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


async def test_retry_async_and_bad_attempts(judge, healing_model):
    chain = with_intent_retry(healing_model, Polite, judge=judge)
    assert "can't attend" in await chain.ainvoke("the party")
    with pytest.raises(ValueError, match="max_attempts"):
        with_intent_retry(healing_model, Polite, judge=judge, max_attempts=0)


def test_retry_keep_history_and_renderer(judge):
    model = ScriptedChatModel(draft="go away")
    chain = with_intent_retry(
        model,
        Polite,
        judge=judge,
        max_attempts=3,
        keep_history=True,
        feedback_renderer=lambda output, verdicts, n: f"try again ({n}): {verdicts[0].requirement}",
    )
    with pytest.raises(SemanticIntentError) as info:
        chain.invoke("Decline")
    last_prompt = model.calls[2]
    assert [m.type for m in last_prompt] == ["human", "ai", "human", "ai", "human"]
    assert last_prompt[-1].content == f"try again (2): {Polite.description()}" and is_feedback_message(last_prompt[-1])
    assert info.value.feedback == f"try again (3): {Polite.description()}"


def test_retry_records_the_prompt_it_sent(tmp_path, judge, healing_model):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    with_intent_retry(healing_model, Polite, judge=judge, collector=collector).invoke("the gala")
    (record,) = list(collector.records())
    assert [m["role"] for m in record["prompt_messages"]] == ["user", "assistant", "user"]
    assert record["model"] == "scripted" and record["metadata"]["source"] == "intent_retry"


def test_retry_reuses_its_policy(judge, healing_model):
    chain = with_intent_retry(healing_model, Polite, judge=judge)
    chain.invoke("a")
    policy = chain.policy
    chain.invoke("b")
    assert chain.policy is policy


@pytest.mark.parametrize("collector", ["corrections.jsonl", object()])
def test_a_collector_that_is_not_a_correction_sink_is_refused(tmp_path, judge, healing_model, collector):
    with pytest.raises(TypeError, match=r"TrainingCollector\(path\)"):
        with_intent_retry(healing_model, Polite, judge=judge, collector=collector)
    with pytest.raises(TypeError, match="handle_outcome"):
        IntentRetry(bound=healing_model, intents=[Polite], judge=judge, collector=collector)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"max_attempts": "3"}, ValueError, "max_attempts must be an integer"),
        ({"max_attempts": 3.0}, ValueError, "max_attempts must be an integer"),
        ({"judge": "nli"}, TypeError, r"load_judge\('nli'\)"),
        ({"thresholds": {"Polite": 2}}, ValueError, r"thresholds\['Polite'\] must be between 0 and 1"),
        ({"keep_history": "no"}, TypeError, "keep_history must be True or False"),
    ],
)
def test_retry_options_are_checked_when_built_as_the_other_drivers_do(judge, healing_model, options, error, match):
    with pytest.raises(error, match=match):
        with_intent_retry(healing_model, Polite, **{"judge": judge, **options})


def test_a_bytes_prompt_is_refused_with_the_fix(judge, healing_model):
    with pytest.raises(TypeError, match=r"prompt is bytes, not str: decode it first"):
        with_intent_retry(healing_model, Polite, judge=judge).invoke(b"Decline the invitation")


class _StopsOnRetry(ScriptedChatModel):
    """Answers ``draft`` (which fails), then on the retry raises or waits until cancelled."""

    started: Any = None

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        if any(is_feedback_message(m) for m in messages):
            raise RuntimeError("provider down")
        return super()._generate(messages, stop, run_manager, **kwargs)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        if any(is_feedback_message(m) for m in messages):
            self.started.set()
            await asyncio.Event().wait()  # until cancelled
        return await super()._agenerate(messages, stop, run_manager, **kwargs)


def test_a_run_that_fails_mid_way_closes_its_session_so_the_collector_lets_go(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    runnable = with_intent_retry(_StopsOnRetry(draft="go away"), Polite, judge=judge)
    with pytest.raises(RuntimeError, match="provider down"):
        runnable.invoke("Decline", config={"callbacks": [collector]})
    stats = collector.diagnostics()
    assert stats["pending_runs"] == 0 and stats["pending_bytes"] == 0 and stats["unhealed"] == 1


async def test_a_cancelled_async_run_closes_its_session_so_the_collector_lets_go(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    model = _StopsOnRetry(draft="go away", started=asyncio.Event())
    task = asyncio.ensure_future(with_intent_retry(model, Polite, judge=judge).ainvoke("Decline", config={"callbacks": [collector]}))
    await asyncio.wait_for(model.started.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stats = collector.diagnostics()
    assert stats["pending_runs"] == 0 and stats["pending_bytes"] == 0 and stats["unhealed"] == 1


class _FailsFirst(ScriptedChatModel):
    """Its first ``failures`` calls (of those with feedback when ``on_feedback``) raise; then it answers."""

    failures: int = 1
    on_feedback: bool = False

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        if self.failures > 0 and (not self.on_feedback or any(is_feedback_message(m) for m in messages)):
            self.failures -= 1
            raise RuntimeError("provider down")
        return super()._generate(messages, stop, run_manager, **kwargs)


def test_a_first_model_call_that_fails_leaves_no_prompt_behind(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    with pytest.raises(RuntimeError, match="provider down"):
        with_intent_retry(_FailsFirst(draft="go away"), Polite, judge=judge).invoke("Decline", config={"callbacks": [collector]})
    stats = collector.diagnostics()
    assert stats["pending_runs"] == 0 and stats["pending_bytes"] == 0 and not collector._runs


def test_a_model_call_retried_after_an_error_still_records_its_prompt(tmp_path, judge):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    model = _FailsFirst(draft="No. Go away.", revision="Thank you for asking, but I can't attend.", on_feedback=True)
    runnable = with_intent_retry(model.with_retry(stop_after_attempt=2, wait_exponential_jitter=False), Polite, judge=judge)
    assert "can't attend" in runnable.invoke("Decline the gala", config={"callbacks": [collector]})
    (record,) = collector.records()
    assert [m["role"] for m in record["prompt_messages"]] == ["user", "assistant", "user"]  # the retried call's prompt
    assert record["model"] == "scripted" and record["run_id"] is not None
    stats = collector.diagnostics()
    assert stats["pending_runs"] == 0 and stats["pending_bytes"] == 0 and stats["healed"] == 1

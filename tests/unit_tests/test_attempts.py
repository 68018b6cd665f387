"""The attempt step: policy, session, outcome payloads, the loop, the exhaustion error."""

from __future__ import annotations

import pytest

from langchain_semantix.attempts import AttemptPolicy, arun_attempts, run_attempts
from langchain_semantix.errors import SemanticIntentError
from langchain_semantix.events import OUTCOME_EVENT
from langchain_semantix.feedback import is_feedback_message
from tests.conftest import MentionsDate, Polite


class Sink:
    def __init__(self) -> None:
        self.outcomes: list[dict] = []

    def handle_outcome(self, outcome: dict) -> None:
        self.outcomes.append(outcome)


def _drafts(*texts: str):
    def generate(n, session, config):
        assert config["metadata"]["semantix_attempt"] == n and config["metadata"]["semantix_session"] == session.id
        return texts[n - 1]

    return generate


def test_heal_reports_one_outcome_with_every_attempt(judge):
    sink = Sink()
    policy = AttemptPolicy([Polite, MentionsDate], judge=judge, source="test")
    text, session = run_attempts(policy, _drafts("go away", "Thanks, no."), None, sink)
    assert text == "Thanks, no."
    (outcome,) = sink.outcomes
    assert outcome["type"] == OUTCOME_EVENT and outcome["passed"] and outcome["accepted_attempt"] == 2
    assert outcome["source"] == "test" and outcome["judge"] == "keyword"
    assert [a["passed"] for a in outcome["attempts"]] == [False, True]
    assert outcome["attempts"][0]["feedback"] and outcome["attempts"][1]["feedback"] is None
    assert [i["name"] for i in outcome["intents"]] == ["Polite", "MentionsDate"]
    assert "review" not in outcome


def test_exhaustion_raises_with_the_last_verdicts(judge):
    sink = Sink()
    policy = AttemptPolicy(Polite, judge=judge, max_attempts=2)
    with pytest.raises(SemanticIntentError) as info:
        run_attempts(policy, _drafts("go away", "stupid"), None, sink)
    assert info.value.output == "stupid" and [a["attempt"] for a in info.value.attempts] == [1, 2]
    assert info.value.intent_description == Polite.description()
    assert not sink.outcomes[0]["passed"] and sink.outcomes[0]["accepted_attempt"] is None


async def test_async_loop(judge):
    policy = AttemptPolicy(Polite, judge=judge)

    async def agenerate(n, session, config):
        return ["go away", "Thanks, no."][n - 1]

    text, session = await arun_attempts(policy, agenerate, None)
    assert text == "Thanks, no." and len(session.attempts) == 2


def test_corrections_hold_the_latest_or_every_rejected_draft(judge):
    policy = AttemptPolicy(Polite, judge=judge, max_attempts=3)
    with pytest.raises(SemanticIntentError):
        run_attempts(policy, _drafts("go away", "stupid", "go away!"), None)
    session = policy.session()
    for text in ("go away", "stupid"):
        policy.check(session, text, None, 0.0)
    latest = session.corrections(keep_history=False)
    assert [m.type for m in latest] == ["ai", "human"] and latest[0].content == "stupid"
    assert is_feedback_message(latest[1])
    assert [m.content for m in session.corrections(keep_history=True)][::2] == ["go away", "stupid"]


def test_a_resumed_session_builds_the_error_from_summaries(judge):
    policy = AttemptPolicy(Polite, judge=judge)
    first = policy.session()
    policy.check(first, "go away", None, 0.0)
    resumed = policy.session(first.id, first.attempts)
    error = resumed.error()
    assert error.output == "go away" and error.verdicts[0].intent == "Polite"


def test_bad_policy_options(judge):
    with pytest.raises(ValueError, match="max_attempts"):
        AttemptPolicy(Polite, judge=judge, max_attempts=0)
    with pytest.raises(TypeError, match="feedback_renderer"):
        AttemptPolicy(Polite, judge=judge, feedback_renderer="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one Intent"):
        AttemptPolicy([], judge=judge)

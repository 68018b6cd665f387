"""testing: the scripted model and the keyword judge recognise feedback by its marker only."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from langchain_semantix.feedback import FEEDBACK_TITLE, feedback_message
from langchain_semantix.testing import KeywordJudge, ScriptedChatModel, user_prompt


def test_scripted_model_revises_after_a_marked_feedback_turn_of_any_renderer():
    model = ScriptedChatModel(draft="go away", revision=lambda q: f"Sorry, no: {q}")
    prompt = [HumanMessage("the gala"), AIMessage("go away"), feedback_message("Be polite.")]
    assert model.invoke(prompt).content == "Sorry, no: the gala"
    assert model.invoke(prompt[:1]).content == "go away"


def test_a_user_turn_that_only_looks_like_feedback_is_the_request():
    looks_like = f"{FEEDBACK_TITLE}\n\nplease quote this heading back"
    model = ScriptedChatModel(draft=lambda q: f"draft for {q[:20]}", revision="revised")
    assert model.invoke([HumanMessage(looks_like)]).content == f"draft for {looks_like[:20]}"
    assert user_prompt([HumanMessage("real"), feedback_message(looks_like)]) == "real"


def test_keyword_judge_scores_fail_and_pass_words():
    judge = KeywordJudge(fail_words=["go away"], pass_words=["thank"])
    assert not judge.evaluate("Go away.", "polite").passed
    assert not judge.evaluate("Fine.", "polite").passed
    assert judge.evaluate("Thank you.", "polite").passed and judge.calls == 3

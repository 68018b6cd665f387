"""One error base class; the one text-or-complain helper; SemanticIntentError round-trips."""

from __future__ import annotations

import pickle

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, Generation

from langchain_semantix.errors import InvalidOutputError, JudgeModelError, SemanticIntentError, SemantixError, require_text
from langchain_semantix.judges import Verdict


def test_every_error_shares_the_base_and_keeps_its_builtin_parent():
    assert issubclass(SemanticIntentError, SemantixError) and issubclass(SemanticIntentError, OutputParserException)
    assert issubclass(InvalidOutputError, SemantixError) and issubclass(InvalidOutputError, TypeError)
    assert issubclass(JudgeModelError, SemantixError) and issubclass(JudgeModelError, RuntimeError)


@pytest.mark.parametrize(
    "value,text",
    [
        ("plain", "plain"),
        (AIMessage("hi"), "hi"),
        (AIMessage(content=[{"type": "text", "text": "a"}, "b", {"type": "image", "url": "x"}]), "ab"),
        (AIMessage(content=[]), ""),
        (ChatGeneration(message=AIMessage("gen")), "gen"),
        (Generation(text="old"), "old"),
    ],
)
def test_require_text_reads_text(value, text):
    assert require_text(value) == text


@pytest.mark.parametrize(
    "value,match",
    [
        (None, "None"),
        (b"x", "decode"),
        (42, "must be a str"),
        (AIMessage(content=[{"type": "image", "url": "x"}]), "no text content"),
    ],
)
def test_require_text_complains_with_the_fix(value, match):
    with pytest.raises(InvalidOutputError, match=match):
        require_text(value, what="output")


def test_semantic_intent_error_pickles_and_carries_the_feedback():
    verdict = Verdict(passed=False, score=0.1, threshold=0.5, intent="Polite", requirement="Be polite.")
    error = SemanticIntentError.from_verdicts("Go away.", [verdict], "feedback", attempts=[{"attempt": 1}, {"attempt": 2}])
    again = pickle.loads(pickle.dumps(error))
    assert again.observation == "feedback" and again.llm_output == "Go away." and again.send_to_llm
    assert again.intent_name == "Polite" and again.score == 0.1 and "after 2 attempts" in str(again)

"""One error base class; the one text-or-complain helper; SemanticIntentError round-trips."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
import warnings

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, Generation

import langchain_semantix
from langchain_semantix.errors import InvalidOutputError, SemanticIntentError, SemantixError, require_text
from langchain_semantix.judges import Verdict

# The builtin (or LangChain) parent each error keeps, so ``except ValueError`` and friends still work.
BUILTIN_PARENTS = {
    "SemanticIntentError": OutputParserException,
    "InvalidOutputError": TypeError,
    "JudgeModelError": RuntimeError,
    "JudgeReplyError": ValueError,
    "RecordError": ValueError,
    "CorruptLineError": ValueError,
    "LabelError": ValueError,
    "CircularLabelError": ValueError,
    "LockTimeoutError": TimeoutError,
    "NotARegularFileError": OSError,
    "StoreConnectionError": ConnectionError,
    "StoreWriteError": RuntimeError,
    "PostgresUnavailable": RuntimeError,
}


def _package_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class (warnings aside) defined anywhere in the package."""
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(langchain_semantix.__path__, "langchain_semantix."):
        if module_info.name.endswith("__main__"):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the deprecated modules are walked too
            module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            is_error = isinstance(value, type) and issubclass(value, BaseException) and not issubclass(value, Warning)
            if is_error and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def test_every_exception_in_the_package_derives_from_the_base():
    errors = _package_exceptions()
    assert {cls.__name__ for cls in errors.values()} >= set(BUILTIN_PARENTS)
    outside = sorted(name for name, cls in errors.items() if not issubclass(cls, SemantixError))
    assert outside == []


@pytest.mark.parametrize("name,parent", sorted(BUILTIN_PARENTS.items()))
def test_every_error_keeps_its_builtin_parent(name, parent):
    (cls,) = [cls for cls in _package_exceptions().values() if cls.__name__ == name]
    assert issubclass(cls, SemantixError) and issubclass(cls, parent)


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


def test_require_text_reads_a_recorded_message_dict():
    message = {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}}]}
    assert require_text(message) == "a"
    with pytest.raises(InvalidOutputError, match="no text content"):
        require_text({"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]})

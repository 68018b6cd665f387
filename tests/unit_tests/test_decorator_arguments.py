"""validate_intent's arguments are checked when it decorates, with the fix."""

from __future__ import annotations

import pytest

from langchain_semantix import Intent, validate_intent
from langchain_semantix.testing import KeywordJudge


class Polite(Intent):
    """The text must be polite."""


def test_a_collector_that_is_not_one_is_named_at_decoration():
    with pytest.raises(TypeError, match=r"collector must be a TrainingCollector .*TrainingCollector\(path\)"):
        validate_intent(Polite, collector="corrections.jsonl")


def test_only_functions_and_intent_classes_are_taken():
    with pytest.raises(TypeError, match="decorates a function .*got 5"):
        validate_intent(Polite)(5)
    with pytest.raises(TypeError, match="takes an Intent subclass .*got the class int"):
        validate_intent(int)


def test_judge_and_thresholds_are_checked_at_decoration():
    with pytest.raises(TypeError, match="judge must be a Judge"):
        validate_intent(Polite, judge="nli")(lambda: "x")
    with pytest.raises(ValueError, match=r"thresholds\['Polite'\] must be between 0 and 1"):
        validate_intent(Polite, judge=KeywordJudge(), thresholds={"Polite": 3})(lambda: "x")

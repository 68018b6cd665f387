"""train_judge on a tiny cross-encoder: deterministic, saved, reloaded, usable, and its CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langchain_semantix.cli import main
from langchain_semantix.judges import load_judge
from langchain_semantix.judges.nli import JudgeModelError
from langchain_semantix.judges.trained import MANIFEST_NAME
from langchain_semantix.testing import KeywordJudge
from langchain_semantix.training.judge import CascadeJudge, LabelError, TrainedJudge, read_labels, train_judge
from tests.unit_tests.training.judge.synthetic import DECLINE, examples

TINY = {"epochs": 2, "use_corpus": False, "batch_size": 8, "progress": False, "threads": 1}


@pytest.fixture(scope="module")
def trained(tiny_nli_path: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainedJudge:
    return train_judge(examples(), output_dir=tmp_path_factory.mktemp("j") / "a", base_model=tiny_nli_path, **TINY)


def test_same_seed_same_judge_and_reload_scores_identically(trained: TrainedJudge, tiny_nli_path: Path, tmp_path: Path) -> None:
    again = train_judge(examples(), output_dir=tmp_path / "b", base_model=tiny_nli_path, **TINY)
    pairs = [(e.output, e.requirement) for e in examples()]
    first = trained.scores(pairs)
    assert again.scores(pairs) == first
    reloaded = TrainedJudge.load(trained.path)
    assert reloaded.scores(pairs) == first
    assert [v.score for v in reloaded.evaluate_batch(pairs)] == first
    other = train_judge(examples(), output_dir=tmp_path / "c", base_model=tiny_nli_path, seed=1, **TINY)
    assert other.scores(pairs) != first


def test_manifest_records_provenance_and_thresholds(trained: TrainedJudge, tiny_nli_path: Path) -> None:
    manifest = json.loads((trained.path / MANIFEST_NAME).read_text())
    assert manifest["base_model"] == str(tiny_nli_path) and manifest["seed"] == 0
    assert manifest["recipe"]["epochs"] == 2 and len(manifest["data_hash"]) == 16
    assert manifest["counts"]["PoliteDecline"] == {"positive": 4, "negative": 4}
    thresholds = manifest["thresholds"]
    assert 0 <= thresholds["global"] <= 1 and set(thresholds["requirements"]) <= {e.requirement for e in examples()}
    assert "held_out" in thresholds and manifest["package_version"]
    verdict = trained.evaluate("Thanks, but I can't come.", DECLINE)
    assert verdict.threshold == trained.threshold_for(DECLINE) and verdict.judge == "trained"
    assert trained.evaluate("Thanks", "An unseen requirement.").threshold == thresholds["global"]
    assert trained.evaluate("   ", DECLINE).passed is False


async def test_async_and_spec_loading(trained: TrainedJudge, monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = await trained.aevaluate("Thanks, but I can't come.", DECLINE)
    assert verdict.score == trained.evaluate("Thanks, but I can't come.", DECLINE).score
    assert isinstance(load_judge(f"trained:{trained.path}"), TrainedJudge)
    assert isinstance(load_judge(str(trained.path)), TrainedJudge)
    monkeypatch.setenv("SEMANTIX_JUDGE", f"trained:{trained.path}")
    assert load_judge().model_id == trained.model_id
    with pytest.raises(ValueError, match="unknown judge spec"):
        load_judge("magic")


def test_bad_inputs(tiny_nli_path: Path, tmp_path: Path) -> None:
    with pytest.raises(LabelError, match="only positive"):
        train_judge([e for e in examples() if e.label], output_dir=tmp_path / "x", base_model=tiny_nli_path, **TINY)
    with pytest.raises(JudgeModelError, match="neither a folder"):
        train_judge(examples(), output_dir=tmp_path / "y", base_model="no/such-model", **TINY)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        train_judge(examples(), output_dir=tmp_path / "full", base_model=tiny_nli_path, **TINY)
    with pytest.raises(JudgeModelError, match="semantix_judge.json is missing"):
        TrainedJudge.load(tmp_path / "full")


def test_cascade_retrain_replaces_the_local_judge(trained: TrainedJudge, tiny_nli_path: Path, tmp_path: Path) -> None:
    cascade = CascadeJudge(trained, KeywordJudge(fail_words=["stupid", "go away"]), band=(0.0, 1.0), labels=tmp_path / "l.jsonl")
    cascade.evaluate_batch([(e.output, e.requirement) for e in examples()])
    assert cascade.escalations == len(examples()) and len(read_labels(tmp_path / "l.jsonl")) == len(examples())
    new = cascade.retrain(tmp_path / "v2", base_model=tiny_nli_path, **TINY)
    assert cascade.local is new and new.manifest["n_examples"] == len(examples())


def test_cli_train_and_eval(tiny_nli_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(e.model_dump_json() + "\n" for e in examples()))
    out = tmp_path / "judge"
    assert main(["judge", "train", str(labels), "-o", str(out), "--base-model", str(tiny_nli_path), "--epochs", "1", "--no-corpus"]) == 0
    assert f"trained:{out}" in capsys.readouterr().out
    assert main(["judge", "eval", str(labels), "--judge", f"trained:{out}", "--json", str(tmp_path / "r.json")]) == 0
    assert "| PoliteDecline | 8 |" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.json").read_text())["overall"]["n"] == len(examples())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"requirement": "r", "output": "o", "label": "yes"}\n')
    assert main(["judge", "eval", str(bad), "--judge", f"trained:{out}"]) == 2
    assert "bad.jsonl:1: label must be true or false" in capsys.readouterr().err


def test_bundled_corpus_and_base_model_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_semantix.judges import bundled_minilm_path
    from langchain_semantix.training.judge import bundled_corpus
    from langchain_semantix.training.judge.train import resolve_base_model

    corpus = bundled_corpus()
    assert len({e.requirement for e in corpus}) >= 24 and {e.label for e in corpus} == {True, False}
    assert all(e.intent for e in corpus) and any(e.hard for e in corpus)
    monkeypatch.setattr("langchain_semantix.training.judge.train._in_hf_cache", lambda name: False)
    assert resolve_base_model() == bundled_minilm_path()


def test_semantix_judge_names_the_default_judge(trained: TrainedJudge, monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_semantix import IntentParser, scoring
    from tests.unit_tests.training.judge.synthetic import DeclineIntent

    monkeypatch.setattr(scoring, "_DEFAULT_JUDGE", None)
    monkeypatch.setenv("SEMANTIX_JUDGE", f"trained:{trained.path}")
    judge = IntentParser(DeclineIntent).scorer.judge
    assert isinstance(judge, TrainedJudge) and judge.model_id == trained.model_id


def test_drivers_use_the_trained_judges_threshold_per_requirement(trained: TrainedJudge) -> None:
    from langchain_semantix.scoring import IntentScorer
    from tests.unit_tests.training.judge.synthetic import DeclineIntent

    judge = TrainedJudge.load(trained.path)
    judge.thresholds = {DeclineIntent.description(): 0.987}
    judge.default_threshold = 0.123
    ((verdict,),) = IntentScorer(DeclineIntent, judge=judge).score(["Thanks, but I can't come."])
    assert verdict.threshold == 0.987
    cascade = CascadeJudge(judge, KeywordJudge(), band=(0.0, 0.0))
    ((via_cascade,),) = IntentScorer(DeclineIntent, judge=cascade).score(["Thanks, but I can't come."])
    assert via_cascade.threshold == 0.987 and cascade.default_threshold == 0.123


def test_a_failed_run_leaves_the_previous_judge_whole(
    trained: TrainedJudge, tiny_nli_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import langchain_semantix.training.judge.train as train_module

    folder = tmp_path / "judge"
    first = train_judge(examples(), output_dir=folder, base_model=tiny_nli_path, **TINY)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def disk_full(*args: object, **kwargs: object) -> dict[str, object]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(train_module, "_calibrate", disk_full)
    with pytest.raises(OSError, match="No space left"):
        train_judge(examples(), output_dir=folder, base_model=tiny_nli_path, seed=1, **TINY)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["judge"]  # no staging folder left behind
    monkeypatch.undo()
    again = train_judge(examples(), output_dir=folder, base_model=tiny_nli_path, seed=1, **TINY)
    assert again.manifest["seed"] == 1 and first.manifest["seed"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["judge"]


def test_a_max_length_past_the_position_embeddings_is_refused_and_the_judge_kept(trained: TrainedJudge, tiny_nli_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in trained.path.iterdir()}
    with pytest.raises(ValueError, match=r"max_length 4096 .* cover 512 tokens; pass max_length=512 or less"):
        train_judge(examples(), output_dir=trained.path, base_model=tiny_nli_path, max_length=4096, **TINY)
    assert {p.name: p.read_bytes() for p in trained.path.iterdir()} == before


def test_an_old_judge_with_a_too_large_max_length_is_capped_at_load(trained: TrainedJudge, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "old"
    shutil.copytree(trained.path, folder)
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    manifest["recipe"]["max_length"] = 4096
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest))
    old = TrainedJudge(folder, backend="torch")
    assert old.max_length == 512
    verdict = old.evaluate("Thanks, but I can't come. " * 400, DECLINE)
    assert verdict.score is not None and verdict.truncated

import json
import os
import stat

import pytest

from langchain_semantix.training.exporters import (
    EXPORTERS,
    GENERIC_USER_TURN,
    export_generic,
    export_nemo_dpo,
    export_nemo_trajectories,
    export_openai,
    export_openai_preference,
    export_trl_dpo,
    export_trl_kto,
    export_trl_sft,
)
from langchain_semantix.training.jsonl import CorruptLineWarning
from tests.unit_tests.training._data import BAD_LINES, FEEDBACK, lines, rec, write


def test_openai_sft_uses_real_prompt_or_generic(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0), rec(1, prompt=False)])
    out = export_openai(src, tmp_path / "sft.jsonl")
    a, b = lines(out.destination)
    assert a == {
        "messages": [
            {"role": "system", "content": "You must satisfy the following requirement:\n\nThe text must be polite."},
            {"role": "user", "content": "question 0"},
            {"role": "assistant", "content": "good 0"},
        ]
    }
    assert b["messages"][1] == {"role": "user", "content": GENERIC_USER_TURN}
    sc = lines(export_openai(src, tmp_path / "sc.jsonl", mode="self_correction").destination)[0]["messages"]
    assert sc[-3] == {"role": "assistant", "content": "bad 0", "weight": 0} and sc[-2]["content"] == FEEDBACK
    assert sc[-1]["weight"] == 1


def test_preference_trl_nemo_shapes(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0)])
    pref = lines(export_openai_preference(src, tmp_path / "p.jsonl").destination)[0]
    assert set(pref) == {"input", "preferred_output", "non_preferred_output"}
    assert pref["preferred_output"] == [{"role": "assistant", "content": "good 0"}]
    assert pref["non_preferred_output"] == [{"role": "assistant", "content": "bad 0"}]
    assert set(lines(export_trl_sft(src, tmp_path / "s.jsonl").destination)[0]) == {"messages"}
    assert set(lines(export_trl_sft(src, tmp_path / "pc.jsonl", style="prompt_completion").destination)[0]) == {"prompt", "completion"}
    assert set(lines(export_trl_dpo(src, tmp_path / "d.jsonl").destination)[0]) == {"prompt", "chosen", "rejected"}
    kto = lines(export_trl_kto(src, tmp_path / "k.jsonl").destination)
    assert [k["label"] for k in kto] == [True, False]
    nemo = lines(export_nemo_dpo(src, tmp_path / "n.jsonl").destination)[0]
    assert nemo["chosen_response"] == "good 0" and nemo["rejected_response"] == "bad 0"
    assert nemo["prompt"][-1] == {"role": "user", "content": "question 0"}


def test_nemo_trajectories_curriculum(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0, rs=0.4, acc=0.6), rec(1, rs=0.1, acc=0.95), rec(2, rs=0.5, acc=0.52)])
    out = export_nemo_trajectories(src, tmp_path / "t.json", min_reward_diff=0.1)
    data = json.loads(out.destination.read_text())
    groups = data["trajectories"]
    assert out.written == 2 and out.filtered == 1  # spread 0.02 < 0.1 dropped
    averages = [sum(t["reward"] for t in g) / len(g) for g in groups]
    assert averages == sorted(averages, reverse=True)
    assert groups[0][0]["reward"] == 0.95 and groups[0][0]["episode"][-1]["role"] == "assistant"


def test_filter_dedupe_split_and_atomicity(tmp_path):
    records = [rec(i % 50) for i in range(100)] + [rec(0, intent="Other")]
    src = write(tmp_path / "c.jsonl", records)
    out = export_generic(src, tmp_path / "g.jsonl", intent_filter="Polite", dedupe=True, validation_fraction=0.2, seed=1)
    assert out.duplicates == 50 and out.filtered == 1 and out.total == 50
    train = {json.dumps(r["prompt_messages"][0]) for r in lines(out.destination)}
    valid = {json.dumps(r["prompt_messages"][0]) for r in lines(out.validation_destination)}
    assert train and valid and not (train & valid)
    again = export_generic(src, tmp_path / "g2.jsonl", intent_filter="Polite", dedupe=True, validation_fraction=0.2, seed=1)
    assert again.validation_written == out.validation_written
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export_openai(src, tmp_path / "missing" / "x.jsonl", create_dirs=False)
    assert not (tmp_path / "missing").exists()
    assert export_openai(src, tmp_path / "made" / "x.jsonl").written == 101  # semantix-ai creates folders


def test_garbage_and_missing_fields_are_counted(tmp_path):
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps(rec(0)) + "\ngarbage\n" + json.dumps({"intent": "x"}) + "\n")
    with pytest.warns(UserWarning):
        out = export_openai(src, tmp_path / "o.jsonl")
    assert out.written == 1 and len(out.skipped) == 2 and out.skipped[0].startswith(f"{src}:2:")
    empty = write(tmp_path / "e.jsonl", [])
    assert export_openai(empty, tmp_path / "eo.jsonl").written == 0


def test_every_exporter_skips_and_counts_every_bad_record(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(1)] + BAD_LINES + [rec(2)])
    for name, exporter in EXPORTERS.items():
        with pytest.warns(UserWarning):
            out = exporter(src, tmp_path / f"{name}.out")
        assert len(out.skipped) == len(BAD_LINES), name
        assert out.written >= 2, name


def test_no_exporter_emits_a_pair_whose_texts_are_equal(tmp_path):
    approved = {
        **rec(0),
        "rejected_output": "same text",
        "accepted_output": "same text ",
        "rejected_attempts": [{"attempt": 1, "output": "same text", "score": 0.3}],
    }
    src = write(tmp_path / "c.jsonl", [approved, rec(1)])
    for name in ("openai-preference", "trl-dpo", "nemo-dpo"):
        out = EXPORTERS[name](src, tmp_path / f"{name}.jsonl")
        assert out.written == 1 and out.degenerate == 1, name
    kto = export_trl_kto(src, tmp_path / "kto.jsonl")
    assert kto.degenerate == 1 and [r["label"] for r in lines(kto.destination)] == [True, True, False]
    sc = export_openai(src, tmp_path / "sc.jsonl", mode="self_correction")
    assert all(m.get("weight") != 0 for m in lines(sc.destination)[0]["messages"])
    traj = export_nemo_trajectories(src, tmp_path / "t.json")
    groups = json.loads(traj.destination.read_text())["trajectories"]
    assert traj.degenerate == 1 and sorted(len(g) for g in groups) == [1, 2]


def test_export_onto_its_own_source_is_refused(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0)])
    before = src.read_bytes()
    for _name, exporter in EXPORTERS.items():
        with pytest.raises(ValueError, match="source file itself"):
            exporter(src, src)
    (tmp_path / "link.jsonl").symlink_to(src)
    with pytest.raises(ValueError, match="source file itself"):
        export_generic(tmp_path / "link.jsonl", src)
    assert src.read_bytes() == before


def test_missing_source_raises_and_writes_nothing(tmp_path):
    for name, exporter in EXPORTERS.items():
        with pytest.raises(FileNotFoundError, match="does not exist"):
            exporter(tmp_path / "missing.jsonl", tmp_path / f"{name}.out")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_export_modes_respect_umask_and_keep_an_existing_mode(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0)])
    old = os.umask(0o027)
    try:
        fresh = export_openai(src, tmp_path / "new.jsonl").destination
        existing = tmp_path / "existing.jsonl"
        existing.write_text("old\n")
        existing.chmod(0o604)
        export_openai(src, existing)
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
    assert stat.S_IMODE(existing.stat().st_mode) == 0o604 and "good 0" in existing.read_text()


def test_stale_temp_files_of_killed_exports_are_removed(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0)])
    dead = tmp_path / ".o.jsonl.999999999-abc123.tmp"  # no such pid
    mine = tmp_path / f".o.jsonl.{os.getppid()}-zz9.tmp"  # a live writer's: kept
    dead.write_text("partial")
    mine.write_text("in progress")
    export_openai(src, tmp_path / "o.jsonl")
    assert not dead.exists() and mine.exists()
    assert sorted(p.name for p in tmp_path.glob(".*.tmp")) == [mine.name]


def test_nemo_exports_validate_with_nemo_agent_toolkit_models(tmp_path):
    finetuning = pytest.importorskip("nat.data_models.finetuning")
    blocks = {
        **rec(3),
        "prompt_messages": [
            {"role": "system", "content": "Be kind."},
            {"role": "user", "content": [{"type": "text", "text": "question 3"}]},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "1", "name": "f", "args": {}}]},
            {"role": "tool", "content": "result", "tool_call_id": "1"},
        ],
    }
    logged = {**rec(4), "accepted_logprobs": {"content": [{"token": "good", "logprob": -0.1}]}}
    src = write(tmp_path / "c.jsonl", [rec(0), rec(1, prompt=False), blocks, logged])
    collection = finetuning.TrajectoryCollection.model_validate_json(
        export_nemo_trajectories(src, tmp_path / "t.json").destination.read_text()
    )
    assert sum(len(g) for g in collection.trajectories) == 8
    by_record = {g[0].metadata["record_id"] or g[0].metadata["intent"]: g for g in collection.trajectories}
    recorded = [t for g in collection.trajectories for t in g if t.metadata["logprobs_recorded"]]
    assert len(recorded) == 1 and recorded[0].episode[-1].logprobs == logged["accepted_logprobs"]
    assert by_record
    for item in lines(export_nemo_dpo(src, tmp_path / "d.jsonl").destination):
        finetuning.DPOItem.model_validate(item)


def test_trl_exports_load_with_datasets_and_are_recognised_by_trl(tmp_path):
    datasets = pytest.importorskip("datasets")
    data_utils = pytest.importorskip("trl.data_utils")
    src = write(tmp_path / "c.jsonl", [rec(i) for i in range(3)] + [rec(9, prompt=False)])
    for name in ("trl-sft", "trl-dpo", "trl-kto"):
        path = EXPORTERS[name](src, tmp_path / f"{name}.jsonl").destination
        dataset = datasets.load_dataset("json", data_files=str(path), split="train")
        assert len(dataset) >= 4
        for example in dataset:
            assert data_utils.is_conversational(example), name
    pc = export_trl_sft(src, tmp_path / "pc.jsonl", style="prompt_completion").destination
    assert data_utils.is_conversational(datasets.load_dataset("json", data_files=str(pc), split="train")[0])


def test_prompt_key_is_built_only_when_dedupe_or_a_split_needs_it(tmp_path, monkeypatch):
    import langchain_semantix.training.exporters as exporters

    calls: list[str] = []
    real = exporters._prompt_key
    monkeypatch.setattr(exporters, "_prompt_key", lambda record: calls.append(record["id"]) or real(record))
    src = write(tmp_path / "c.jsonl", [rec(i) for i in range(4)])
    export_openai(src, tmp_path / "plain.jsonl")
    assert calls == []
    export_openai(src, tmp_path / "dedupe.jsonl", dedupe=True)
    export_openai(src, tmp_path / "split.jsonl", validation_fraction=0.5)
    assert len(calls) == 8


def test_written_lines_are_the_json_of_the_standard_library(tmp_path):
    from langchain_semantix.training.exporters import _json_line

    item = {"messages": [{"role": "user", "content": 'héllo ✓ "quoted"\n'}], "weight": 0, "score": 0.125, "none": None}
    line = _json_line(item)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == item and "✓".encode() in line  # UTF-8, not \\u escapes
    with pytest.raises(UnicodeEncodeError):  # what callers catch to skip a record with a lone surrogate
        _json_line({"content": "broken \ud800 decode"})


@pytest.mark.parametrize("where", ["feedback", "rejected_attempts"])
def test_unmarked_feedback_of_any_renderer_never_reaches_the_prompt(tmp_path, where):
    from langchain_semantix.training.exporters import original_prompt

    custom = "Attempt 1 was rude; be polite."
    record = {**rec(0), "feedback": custom}
    record["prompt_messages"] = [
        {"role": "user", "content": "question 0"},
        {"role": "assistant", "content": "bad 0"},
        {"role": "user", "content": custom},
    ]
    if where == "rejected_attempts":
        record["feedback"] = "a later attempt's feedback"
        record["rejected_attempts"] = [{"attempt": 1, "output": "bad 0", "score": 0.1, "feedback": custom}]
    assert original_prompt(record, add_requirement=False) == [{"role": "user", "content": "question 0"}]
    out = export_openai(write(tmp_path / "c.jsonl", [record]), tmp_path / "sft.jsonl")
    assert custom not in json.dumps(lines(out.destination))


def test_nemo_exports_skip_a_record_whose_prompt_has_no_text_and_name_it(tmp_path):
    image_only = rec(0)
    image_only["id"] = "img0"
    image_only["prompt_messages"][0]["content"] = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}]
    src = write(tmp_path / "c.jsonl", [image_only, rec(1)])
    with pytest.warns(CorruptLineWarning, match="img0"):
        dpo = export_nemo_dpo(src, tmp_path / "d.jsonl")
    assert dpo.written == 1 and lines(dpo.destination)[0]["prompt"][-1]["content"] == "question 1"
    assert len(dpo.skipped) == 1 and "no text content" in dpo.skipped[0] and "fix or remove" in dpo.skipped[0]
    with pytest.warns(CorruptLineWarning, match="img0"):
        traj = export_nemo_trajectories(src, tmp_path / "t.json")
    assert traj.written == 1 and len(traj.skipped) == 1
    # formats that keep content blocks export the record as it is
    assert export_openai(src, tmp_path / "o.jsonl").written == 2


def test_nemo_prompt_keeps_a_tool_call_turn_as_empty_text(tmp_path):
    r = rec(0)
    call = {"name": "lookup", "args": {"q": "x"}, "id": "c1", "type": "tool_call"}
    r["prompt_messages"][1:1] = [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "content": "found", "tool_call_id": "c1"},
    ]
    prompt = lines(export_nemo_dpo(write(tmp_path / "c.jsonl", [r]), tmp_path / "d.jsonl").destination)[0]["prompt"]
    assert [(m["role"], m["content"]) for m in prompt[1:]] == [("user", "question 0"), ("assistant", ""), ("tool", "found")]


def test_trajectory_filtered_counts_the_intent_filter_and_the_reward_spread(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0, rs=0.1, acc=0.9), rec(1, intent="Other"), rec(2, rs=0.5, acc=0.52)])
    out = export_nemo_trajectories(src, tmp_path / "t.json", intent_filter="Polite", min_reward_diff=0.1)
    assert out.written == 1 and out.filtered == 2

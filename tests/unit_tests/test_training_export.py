import json

import pytest

from langchain_semantix.cli import main
from langchain_semantix.training.calibrate import (
    apply_calibration,
    calibrate_thresholds,
    calibration_report,
    load_thresholds,
    save_thresholds,
)
from langchain_semantix.training.exporters import (
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
from langchain_semantix.training.validate import validate_openai_file

FEEDBACK = "## Semantix Self-Healing Feedback\n\nAttempt 1 failed"


def rec(i, intent="Polite", prompt=True, rs=0.2, acc=0.9):
    r = {"intent": intent, "intent_description": "The text must be polite.", "rejected_output": f"bad {i}",
         "rejected_score": rs, "rejected_reason": "rude", "accepted_output": f"good {i}", "accepted_score": acc,
         "feedback": FEEDBACK, "attempts": 2, "timestamp": "2026-01-01T00:00:00+00:00"}
    if prompt:
        r["prompt_messages"] = [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": f"bad {i}"},
                                {"role": "user", "content": FEEDBACK}]
    return r


def write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def lines(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_openai_sft_uses_real_prompt_or_generic(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0), rec(1, prompt=False)])
    out = export_openai(src, tmp_path / "sft.jsonl")
    a, b = lines(out.destination)
    assert a == {"messages": [{"role": "system", "content": "You must satisfy the following requirement:\n\nThe text must be polite."},
                              {"role": "user", "content": "question 0"}, {"role": "assistant", "content": "good 0"}]}
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
        export_openai(src, tmp_path / "missing" / "x.jsonl")
    assert not (tmp_path / "missing").exists()
    assert export_openai(src, tmp_path / "made" / "x.jsonl", create_dirs=True).written == 101


def test_garbage_and_missing_fields_are_counted(tmp_path):
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps(rec(0)) + "\ngarbage\n" + json.dumps({"intent": "x"}) + "\n")
    with pytest.warns(UserWarning):
        out = export_openai(src, tmp_path / "o.jsonl")
    assert out.written == 1 and len(out.skipped) == 2
    empty = write(tmp_path / "e.jsonl", [])
    assert export_openai(empty, tmp_path / "eo.jsonl").written == 0


def test_validator_passes_exports_and_catches_planted_errors(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(i) for i in range(12)])
    good = validate_openai_file(export_openai(src, tmp_path / "sft.jsonl").destination)
    assert good.ok and good.n_examples == 12 and good.tokens_estimated in (True, False)
    assert validate_openai_file(export_openai_preference(src, tmp_path / "p.jsonl").destination).ok
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([
        json.dumps({"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]}),
        json.dumps({"messages": [{"role": "user", "content": "x"}]}),
        json.dumps({"messages": [{"role": "user", "content": "x", "colour": 1}, {"role": "assistant", "content": "y"}]}),
    ]) + "\n")
    report = validate_openai_file(bad)
    assert {"unrecognized_role", "example_missing_assistant_message", "message_unrecognized_key", "too_few_examples"} <= set(report.errors)
    assert report.error_lines["unrecognized_role"] == [1]


def test_semantix_calibration_results(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(0, rs=0.2, acc=0.8), rec(1, rs=0.3, acc=0.9)])
    assert calibrate_thresholds(src) == {"Polite": pytest.approx(0.55)}
    overlap = write(tmp_path / "o.jsonl", [rec(0, rs=0.6, acc=0.5), rec(1, rs=0.2, acc=0.9)])
    assert calibrate_thresholds(overlap)["Polite"] == pytest.approx((0.6 + 0.2 + 0.5 + 0.9) / 4)
    assert calibrate_thresholds(tmp_path / "nope.jsonl") == {}
    assert calibrate_thresholds(write(tmp_path / "empty.jsonl", [])) == {}

    class Polite:
        threshold = 0.5

    assert apply_calibration({"Polite": 0.55, "Other": 0.1}, {"Polite": Polite}) == 1 and Polite.threshold == 0.55


def test_youden_finds_the_known_optimum_and_minimum_samples(tmp_path):
    labelled = [{"intent": "I", "score": s / 100, "label": s >= 40} for s in range(0, 100, 2)]
    report = calibration_report(method="youden", labelled=labelled)["I"]
    assert report.threshold == pytest.approx(0.40) and not report.overlap
    fb = calibration_report(method="fbeta", labelled=labelled)["I"]
    assert fb.threshold == pytest.approx(0.40)
    few = calibration_report(method="youden", labelled=labelled[:3] + labelled[-3:])["I"]
    assert few.threshold is None and "too few samples" in few.note
    path = save_thresholds(tmp_path / "t.json", {"I": report}, judge="nli")
    assert load_thresholds(path) == {"I": pytest.approx(0.40)}


def test_cli(tmp_path, capsys):
    src = write(tmp_path / "c.jsonl", [rec(i, rs=0.1 + i / 100, acc=0.8 + i / 100) for i in range(12)])
    assert main(["stats", str(src)]) == 0 and '"total_pairs": 12' in capsys.readouterr().out
    assert main(["export", "openai", str(src), str(tmp_path / "o.jsonl")]) == 0
    assert main(["validate", str(tmp_path / "o.jsonl")]) == 0
    (tmp_path / "bad.jsonl").write_text('{"messages": []}\n')
    assert main(["validate", str(tmp_path / "bad.jsonl")]) == 1
    assert main(["calibrate", str(src), "--method", "youden", "-o", str(tmp_path / "t.json"), "--plot", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 1000 and load_thresholds(tmp_path / "t.json")
    assert main(["stats", str(tmp_path / "missing.jsonl")]) == 2
    assert main(["export", "openai", str(src), str(tmp_path / "no" / "x.jsonl")]) == 2
    with pytest.raises(SystemExit):
        main(["--help"])

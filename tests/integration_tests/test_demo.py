import json
import re

import pytest

from langchain_semantix.cli import main
from langchain_semantix.demo import DEMO_INPUTS, OUT_MARKER, prepare_out_dir, run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    import io

    printed = io.StringIO()
    return run_demo(out, out=printed), printed.getvalue()


def test_demo_runs_offline_and_writes_what_it_names(demo):
    summary, printed = demo
    assert summary.inputs == len(DEMO_INPUTS) and summary.first_try + summary.healed + summary.failed == summary.inputs
    assert summary.pairs == summary.healed > 0
    for path in summary.files.values():
        assert path.exists()
    sft = [json.loads(x) for x in summary.files["openai_sft"].read_text().splitlines()]
    requests = {request for _, request, _, _ in DEMO_INPUTS}
    assert len(sft) == summary.pairs
    assert all(ex["messages"][1]["content"] in requests for ex in sft)  # the real prompt, not a placeholder
    assert re.search(rf"correction pairs\s+{summary.pairs}\n", printed)
    assert re.search(rf"first-try pass rate\s+{summary.first_try}/{summary.inputs}", printed)


def test_demo_validation_line_agrees_with_the_cli(demo, capsys):
    summary, printed = demo
    for label, key in (("SFT", "openai_sft"), ("preference", "openai_preference")):
        line = next(x for x in printed.splitlines() if x.startswith(f"{label} export:"))
        code = main(["validate", str(summary.files[key])])
        capsys.readouterr()
        n = len(summary.files[key].read_text().splitlines())
        if n < 10:
            assert code == 1 and "below OpenAI's 10-example minimum" in line and "valid for OpenAI" not in line
        else:
            assert code == 0 and "valid for OpenAI fine-tuning" in line


def test_demo_calibration_proposes_thresholds(demo):
    summary, printed = demo
    assert set(summary.thresholds) == {"PoliteDecline", "SupportReply"}
    assert all(t is not None and 0.0 < t < 1.0 for t in summary.thresholds.values()), summary.threshold_notes
    assert "threshold[PoliteDecline]" in printed and "accepted /" in printed


def test_out_dir_the_demo_did_not_create_is_never_deleted(tmp_path):
    mine = tmp_path / "my_project"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious")
    with pytest.raises(FileExistsError, match="not created by the demo"):
        run_demo(mine)
    assert (mine / "notes.txt").read_text() == "precious" and not (mine / OUT_MARKER).exists()
    assert main(["demo", "--out", str(mine)]) == 2 and (mine / "notes.txt").exists()


def test_rerun_replaces_only_the_demos_files(tmp_path):
    out = tmp_path / "demo_output"
    prepare_out_dir(out)
    (out / "corrections.jsonl").write_text("{}\n")
    (out / "keep.txt").write_text("user file")
    prepare_out_dir(out)  # a rerun into its own folder
    assert not (out / "corrections.jsonl").exists() and (out / "keep.txt").exists() and (out / OUT_MARKER).exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    prepare_out_dir(empty)  # an empty folder is fine to use
    with pytest.raises(FileExistsError, match="is a file"):
        prepare_out_dir(out / "keep.txt")

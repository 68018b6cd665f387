import json
import re

from langchain_semantix.demo import DEMO_INPUTS, run_demo


def test_demo_runs_offline_and_writes_what_it_names(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("keep me")  # --out DIR must not delete what it did not write
    summary = run_demo(tmp_path / "out")
    assert (tmp_path / "out" / "notes.txt").read_text() == "keep me"
    printed = capsys.readouterr().out
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


def test_demo_refuses_a_pairs_file_it_did_not_write(tmp_path):
    import pytest

    (tmp_path / "corrections.jsonl").write_text("{}\n")
    with pytest.raises(FileExistsError, match="another --out"):
        run_demo(tmp_path)
    assert (tmp_path / "corrections.jsonl").read_text() == "{}\n"

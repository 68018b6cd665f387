import pytest

from langchain_semantix.cli import main
from langchain_semantix.training.calibrate import load_thresholds
from tests.unit_tests.training._data import rec, write


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
    assert main(["export", "openai", str(tmp_path / "missing.jsonl"), str(tmp_path / "x.jsonl")]) == 2
    assert not (tmp_path / "x.jsonl").exists()  # a missing source writes no empty file
    assert main(["export", "openai", str(src), str(tmp_path / "no" / "x.jsonl")]) == 2  # the CLI asks for --create-dirs
    with pytest.raises(SystemExit):
        main(["--help"])

"""The command line: help everywhere, options only where they mean something, exit codes, no
empty files on errors, and ``--help`` without importing LangChain."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from langchain_semantix import cli
from langchain_semantix.cli import EXPORT_FORMATS, build_parser, main
from langchain_semantix.training.calibrate import load_thresholds
from langchain_semantix.training.exporters import EXPORTERS
from tests.unit_tests.training._data import rec, write

RECORD = {
    "intent": "Polite", "intent_description": "The text must be polite.", "rejected_output": "bad",
    "rejected_score": 0.2, "accepted_output": "good", "accepted_score": 0.9, "attempts": 2,
    "prompt_messages": [{"role": "user", "content": "question"}],
}  # fmt: skip


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "corrections.jsonl"
    path.write_text("".join(json.dumps({**RECORD, "accepted_output": f"good {i}"}) + "\n" for i in range(12)))
    return path


def _parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def test_every_argument_has_help_text():
    for parser in _parsers(build_parser()):
        for action in parser._actions:
            assert action.help, f"{parser.prog}: {action.dest} has no help"


def test_export_formats_match_the_library():
    assert set(EXPORT_FORMATS) == set(EXPORTERS)


def test_exit_codes_are_in_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "exit codes" in text and "0  success" in text and "1  " in text and "2  usage" in text


@pytest.mark.parametrize("fmt", ["trl-dpo", "generic", "nemo-trajectories"])
def test_mode_only_where_it_means_something(fmt, source, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["export", fmt, str(source), str(tmp_path / "out.jsonl"), "--mode", "sft"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--mode is not an option of 'export " + fmt in err and "openai" in err and "Traceback" not in err
    assert not (tmp_path / "out.jsonl").exists()


def test_mode_works_for_openai(source, tmp_path):
    assert main(["export", "openai", str(source), str(tmp_path / "o.jsonl"), "--mode", "self_correction"]) == 0
    first = json.loads((tmp_path / "o.jsonl").read_text().splitlines()[0])
    assert any(m.get("weight") == 0 for m in first["messages"])


def test_nemo_trajectories_refuses_validation_fraction(source, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "nemo-trajectories", str(source), str(tmp_path / "t.json"), "--validation-fraction", "0.2"])
    assert exit_.value.code == 2 and "--validation-fraction is not an option of 'export nemo-trajectories'" in capsys.readouterr().err
    assert main(["export", "nemo-trajectories", str(source), str(tmp_path / "t.json"), "--run-id", "r1"]) == 0
    assert json.loads((tmp_path / "t.json").read_text())["run_id"] == "r1"


def test_validation_fraction_is_checked_as_a_flag(source, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["export", "openai", str(source), str(tmp_path / "o.jsonl"), "--validation-fraction", "1.5"])
    assert "argument --validation-fraction: 1.5 is not between 0 and 1" in capsys.readouterr().err
    assert main(["export", "trl-dpo", str(source), str(tmp_path / "d.jsonl"), "--validation-fraction", "0.5"]) == 0
    assert (tmp_path / "d.validation.jsonl").exists()


def test_library_errors_name_flags_not_keywords(source, tmp_path, capsys):
    assert main(["export", "openai", str(source), str(tmp_path / "no" / "such" / "o.jsonl")]) in (0, 2)
    err = capsys.readouterr().err
    assert "create_dirs" not in err  # says --create-dirs when the folder is missing
    assert main(["export", "openai", str(source), str(tmp_path / "new" / "o.jsonl"), "--create-dirs"]) == 0
    message = cli._in_cli_terms("validation_fraction must be between 0 and 1; pass create_dirs=True", build_parser())
    assert message == "--validation-fraction must be between 0 and 1; pass --create-dirs"


@pytest.mark.parametrize("argv", [["stats"], ["validate"], ["export", "openai"], ["export", "nemo-trajectories"], ["calibrate"]])
def test_missing_source_exits_2_and_writes_nothing(argv, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    args = [*argv, str(tmp_path / "missing.jsonl")] + ([str(out)] if argv[0] == "export" else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "missing.jsonl does not exist" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_calibrate_without_input_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["calibrate"])
    assert exit_.value.code == 2 and "--labelled" in capsys.readouterr().err


def test_plugin_subcommand_registers_with_one_function(monkeypatch, tmp_path, capsys):
    plugin = tmp_path / "my_semantix_plugin.py"
    plugin.write_text(
        "def add_hello_parser(subparsers):\n"
        "    p = subparsers.add_parser('hello', help='say hello')\n"
        "    p.add_argument('name', help='who')\n"
        "    p.set_defaults(func=lambda args: print('hello', args.name) or 0)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins = {"hello": ("say hello", "my_semantix_plugin", "add_hello_parser"), "nope": ("absent", "not_installed_x.cli", "f")}
    monkeypatch.setattr(cli, "PLUGIN_PARSERS", plugins)
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    assert "say hello" in listed and "absent" not in listed
    assert "my_semantix_plugin" not in sys.modules  # listed without being imported
    assert main(["hello", "world"]) == 0 and "hello world" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["hello", "--help"])
    assert "who" in capsys.readouterr().out


def test_help_imports_no_langchain_langgraph_or_torch():
    code = (
        "import sys\n"
        "from langchain_semantix.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "for argv in (['export', '--help'], ['export', 'openai', '--help'], ['calibrate', '--help']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'langchain', 'langchain_core', 'langgraph', 'torch', 'transformers', 'sentence_transformers'})\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in result.stdout


def test_round_trip_stats_export_validate_calibrate(tmp_path, capsys):
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

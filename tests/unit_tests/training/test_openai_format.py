import json

from langchain_semantix.training.exporters import export_openai, export_openai_preference
from langchain_semantix.training.openai_format import validate_openai_file
from tests.unit_tests.training._data import rec, write


def test_validator_passes_exports_and_catches_planted_errors(tmp_path):
    src = write(tmp_path / "c.jsonl", [rec(i) for i in range(12)])
    good = validate_openai_file(export_openai(src, tmp_path / "sft.jsonl").destination)
    assert good.ok and good.n_examples == 12 and good.tokens_estimated in (True, False)
    assert validate_openai_file(export_openai_preference(src, tmp_path / "p.jsonl").destination).ok
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        "\n".join(
            [
                json.dumps({"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]}),
                json.dumps({"messages": [{"role": "user", "content": "x"}]}),
                json.dumps({"messages": [{"role": "user", "content": "x", "colour": 1}, {"role": "assistant", "content": "y"}]}),
            ]
        )
        + "\n"
    )
    report = validate_openai_file(bad)
    assert {"unrecognized_role", "example_missing_assistant_message", "message_unrecognized_key", "too_few_examples"} <= set(report.errors)
    assert report.error_lines["unrecognized_role"] == [1]


def test_old_module_name_still_works():
    from langchain_semantix.training import openai_format, validate

    assert validate.validate_openai_file is openai_format.validate_openai_file

"""The public surface: ``__all__`` pinned, every name importable, nothing heavy imported eagerly."""

from __future__ import annotations

import subprocess
import sys

import pytest

import langchain_semantix
from langchain_semantix import judges, training

ROOT = [
    "Intent",
    "AllOf",
    "AnyOf",
    "Not",
    "Verdict",
    "Judge",
    "NLIJudge",
    "EmbeddingJudge",
    "LLMJudge",
    "CachedJudge",
    "JudgeModelError",
    "SemantixError",
    "IntentParser",
    "IntentRetry",
    "with_intent_retry",
    "SemanticIntentError",
    "InvalidOutputError",
    "validate_intent",
    "render_feedback",
    "judge_intents",
    "TrainingCollector",
    "TrainingDataLogger",
    "create_retry_subgraph",
    "IntentMiddleware",
]
JUDGES = [
    "Judge",
    "Verdict",
    "NLIJudge",
    "EmbeddingJudge",
    "LLMJudge",
    "JudgeAssessment",
    "CachedJudge",
    "JudgeModelError",
    "DEFAULT_NLI_MODEL",
    "to_hypothesis",
    "bundled_minilm_path",
    "load_judge",
]
TRAINING = [
    "TrainingCollector",
    "TrainingDataLogger",
    "set_default_collector",
    "get_default_collector",
    "JsonlBackend",
    "StoreBackend",
    "JsonlFile",
    "read_jsonl",
    "iter_records",
    "CorruptLineWarning",
    "CollectorWriteWarning",
    "CorrectionRecord",
    "LockTimeoutError",
    "RecordError",
    "SCHEMA_VERSION",
]


def test_all_is_pinned():
    assert sorted(langchain_semantix.__all__) == sorted(ROOT)
    assert sorted(judges.__all__) == sorted(JUDGES)
    assert sorted(training.__all__) == sorted(TRAINING)


def test_every_exported_name_resolves_and_is_listed_by_dir():
    for module in (langchain_semantix, judges, training):
        for name in module.__all__:
            assert getattr(module, name) is not None, name
            assert name in dir(module)


def test_unknown_names_raise_attribute_error():
    for module in (langchain_semantix, judges):
        try:
            module.NoSuchThing  # noqa: B018
        except AttributeError as exc:
            assert "NoSuchThing" in str(exc)
        else:
            raise AssertionError(f"{module.__name__}.NoSuchThing did not raise")


def test_importing_the_package_loads_no_heavy_dependency():
    code = (
        "import sys, langchain_semantix\n"
        "heavy = ('langgraph', 'langchain', 'torch', 'sentence_transformers', 'transformers', 'langchain_semantix.training')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_moved_modules_still_import_with_a_deprecation_warning():
    import importlib
    import warnings

    for old, name in [
        ("validation", "judge_intents"),
        ("loop", "run_attempts"),
        ("corrections", "CorrectionSession"),
        ("nodes", "create_export_node"),
        ("training.validate", "validate_openai_file"),
    ]:
        sys.modules.pop(f"langchain_semantix.{old}", None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = importlib.import_module(f"langchain_semantix.{old}")
        assert hasattr(module, name)
        assert any(issubclass(w.category, DeprecationWarning) and "deprecated" in str(w.message) for w in caught), old


def test_the_loop_shim_names_the_replacement_of_its_pre_refactor_functions():
    with pytest.warns(DeprecationWarning, match="langchain_semantix.attempts"):
        sys.modules.pop("langchain_semantix.loop", None)
        import langchain_semantix.loop as loop
    for old, new in [("run_loop", "run_attempts"), ("arun_loop", "arun_attempts")]:
        with pytest.raises(AttributeError, match=f"langchain_semantix.attempts.{new}"):
            getattr(loop, old)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        loop.nothing_here  # noqa: B018


def test_the_root_type_checking_imports_match_the_lazy_exports():
    """Type checkers read the ``TYPE_CHECKING`` block, the runtime reads ``_EXPORTS``: same
    names, same modules, each re-exported explicitly (``X as X``)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(langchain_semantix))
    (block,) = [node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"]
    imported = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name} is not re-exported (write `{alias.name} as {alias.name}`)"
            imported[alias.name] = node.module
    assert imported == langchain_semantix._EXPORTS
    assert langchain_semantix.__all__ == list(langchain_semantix._EXPORTS)

"""The ONNX export cache: one export per model and options, refreshed when the model changes, capped, atomic."""

from __future__ import annotations

import os
import shutil

import pytest

from langchain_semantix.judges import onnx_runtime
from langchain_semantix.judges.onnx_runtime import CACHE_ENV_VAR, CACHE_LIMIT_ENV_VAR, cached_onnx_model, onnx_cache_dir


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def counted_exports(monkeypatch):
    calls = []
    real = onnx_runtime._export

    def export(model_dir, target):
        calls.append(model_dir)
        return real(model_dir, target)

    monkeypatch.setattr(onnx_runtime, "_export", export)
    return calls


def test_exported_once_then_read_from_the_cache(cache, counted_exports, tiny_nli_path):
    first = cached_onnx_model(tiny_nli_path)
    again = cached_onnx_model(tiny_nli_path)
    assert first == again and first.parent == cache and len(counted_exports) == 1
    int8 = cached_onnx_model(tiny_nli_path, quantize="int8")
    assert int8 != first and int8.name.endswith("-int8.onnx") and len(counted_exports) == 2
    assert sorted(p.name for p in cache.iterdir()) == sorted([first.name, int8.name])  # no temporary files left


def test_a_changed_model_is_exported_again(cache, counted_exports, tiny_nli_path, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(tiny_nli_path, model)
    before = cached_onnx_model(model)
    weights = model / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    after = cached_onnx_model(model)
    assert before != after and len(counted_exports) == 2


def test_the_cache_keeps_under_its_size_limit_least_recently_used_first(cache, tiny_nli_path, monkeypatch):
    fresh = cached_onnx_model(tiny_nli_path)
    for n in range(3):
        old = cache / f"old{n}.onnx"
        old.write_bytes(b"x" * 400_000)
        os.utime(old, (n, n))  # old0 is the least recently used
    monkeypatch.setenv(CACHE_LIMIT_ENV_VAR, str((fresh.stat().st_size + 850_000) / 2**20))  # room for two old entries
    onnx_runtime._prune(cache, keep=fresh)
    assert {p.name for p in cache.glob("*.onnx")} == {fresh.name, "old1.onnx", "old2.onnx"}
    monkeypatch.setenv(CACHE_LIMIT_ENV_VAR, "0")
    onnx_runtime._prune(cache, keep=fresh)  # the entry in use is never deleted
    assert [p.name for p in cache.glob("*.onnx")] == [fresh.name]


def test_cache_folder_defaults_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert onnx_cache_dir() == tmp_path / "langchain-semantix" / "onnx"


def test_a_folder_without_weights_is_refused(cache, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="not a saved transformers model"):
        cached_onnx_model(tmp_path / "empty")


def test_the_export_uses_the_plain_attention(cache, tiny_nli_path):
    """The eager attention exports as MatMul/Softmax with an additive mask, without the SDPA export's
    per-layer mask guards (IsNaN/Where), which cost time in every pass."""
    import onnx

    ops = {node.op_type for node in onnx.load(str(cached_onnx_model(tiny_nli_path))).graph.node}
    assert "Softmax" in ops and "IsNaN" not in ops

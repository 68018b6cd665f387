"""Judges named by a spec string: ``embedding``, ``nli:PATH``, ``trained:DIR``, ...

The CLI's ``--judge`` takes these, and ``SEMANTIX_JUDGE`` names the package's default judge
with one (a trained judge becomes every driver's judge without a code change).
"""

from __future__ import annotations

import os

from langchain_semantix.judges.base import Judge

__all__ = ["load_judge", "JUDGE_ENV_VAR", "SPECS"]

JUDGE_ENV_VAR = "SEMANTIX_JUDGE"
SPECS = "embedding, embedding:PATH, nli, nli:PATH, trained:DIR, or a DIR written by `judge train`"


def load_judge(spec: str | os.PathLike[str] | None = None) -> Judge:
    """A judge from a spec string (``$SEMANTIX_JUDGE`` when ``spec`` is ``None``).

    Specs: ``"embedding"`` (the bundled all-MiniLM-L6-v2 when installed), ``"embedding:PATH"``,
    ``"nli"`` (``$SEMANTIX_NLI_MODEL`` or the default NLI model), ``"nli:PATH"``,
    ``"trained:DIR"``, or a ``DIR`` that holds a trained judge.

    Example:
        .. code-block:: python

            judge = load_judge("trained:judges/v1")
    """
    from langchain_semantix.judges.trained import TrainedJudge, is_trained_judge_dir

    if spec is not None and not isinstance(spec, (str, os.PathLike)):
        raise TypeError(f"a judge spec is a string ({SPECS}), got {spec!r:.80}")
    spec = os.fspath(spec) if spec is not None else os.environ.get(JUDGE_ENV_VAR)
    if not spec:
        raise ValueError(f"no judge given: pass --judge SPEC or set {JUDGE_ENV_VAR} ({SPECS})")
    kind, _, arg = spec.partition(":")
    if kind == "trained" and not arg:
        raise ValueError("the spec 'trained:' names no folder; write trained:DIR with the folder `judge train -o DIR` wrote")
    if kind == "embedding":
        from langchain_semantix.judges.embedding import DEFAULT_EMBEDDING_MODEL, EmbeddingJudge, bundled_minilm_path

        return EmbeddingJudge(arg or bundled_minilm_path() or DEFAULT_EMBEDDING_MODEL)
    if kind == "nli":
        from langchain_semantix.judges.nli import NLIJudge

        return NLIJudge(arg or None)
    if kind == "trained":
        return TrainedJudge.load(arg)
    if is_trained_judge_dir(spec):
        return TrainedJudge.load(spec)
    raise ValueError(f"unknown judge spec {spec!r}; use one of: {SPECS}")

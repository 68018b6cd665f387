"""training/nodes.py: export and calibrate as nodes of a parent LangGraph graph."""

from __future__ import annotations

import operator
from typing import Annotated

import pytest
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from langchain_semantix.training.calibrate import load_thresholds
from langchain_semantix.training.nodes import create_calibrate_node, create_export_node
from tests.unit_tests.training._data import lines, rec, write


class Parent(TypedDict, total=False):
    exports: Annotated[list[dict], operator.add]
    thresholds: dict[str, float]


def test_export_nodes_in_a_graph_write_their_files_and_report_them(tmp_path):
    source = write(tmp_path / "c.jsonl", [rec(i) for i in range(3)])
    openai = create_export_node(source, tmp_path / "sft.jsonl")
    dpo = create_export_node(source, tmp_path / "dpo.jsonl", format="trl-dpo")
    assert (openai.__name__, dpo.__name__) == ("export_openai", "export_trl_dpo")
    graph = StateGraph(Parent)
    graph.add_node(openai)
    graph.add_node(dpo)
    graph.add_edge(START, "export_openai")
    graph.add_edge("export_openai", "export_trl_dpo")
    graph.add_edge("export_trl_dpo", END)
    state = graph.compile().invoke({"exports": []})
    assert [(e["format"], e["written"]) for e in state["exports"]] == [("openai", 3), ("trl-dpo", 3)]
    assert len(lines(tmp_path / "sft.jsonl")) == 3 and set(lines(tmp_path / "dpo.jsonl")[0]) == {"prompt", "chosen", "rejected"}


def test_an_unknown_format_is_refused_when_the_node_is_made(tmp_path):
    with pytest.raises(ValueError, match="unknown export format 'csv'; choose from generic, openai"):
        create_export_node(tmp_path / "c.jsonl", tmp_path / "o.jsonl", format="csv")


def test_the_calibrate_node_sets_thresholds_and_writes_the_file(tmp_path):
    records = [rec(i, rs=0.2, acc=0.8) for i in range(5)]
    source = write(tmp_path / "c.jsonl", records)
    node = create_calibrate_node(source, tmp_path / "thresholds.json", min_samples=1)
    update = node({})
    assert update == {"thresholds": {"Polite": pytest.approx(0.5)}}  # midpoint of 0.2 and 0.8
    assert load_thresholds(tmp_path / "thresholds.json") == update["thresholds"]


def test_the_calibrate_node_refuses_a_missing_source_and_keeps_the_thresholds_file(tmp_path):
    thresholds = tmp_path / "thresholds.json"
    thresholds.write_text('{"Polite": 0.7}')
    node = create_calibrate_node(tmp_path / "missing.jsonl", thresholds)
    with pytest.raises(FileNotFoundError, match="missing.jsonl does not exist"):
        node({})
    assert load_thresholds(thresholds) == {"Polite": 0.7}


def test_the_calibrate_node_with_nothing_to_calibrate_writes_nothing(tmp_path):
    thresholds = tmp_path / "thresholds.json"
    thresholds.write_text('{"Polite": 0.7}')
    source = tmp_path / "c.jsonl"
    source.write_text("")
    assert create_calibrate_node(source, thresholds)({}) == {"thresholds": {}}
    assert load_thresholds(thresholds) == {"Polite": 0.7}


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"bogus": 1}, TypeError, "unexpected keyword argument 'bogus'"),
        ({"validation_fraction": 2}, ValueError, "validation_fraction must be a number between 0 and 1"),
        ({"format": []}, ValueError, r"unknown export format \[\]"),
        ({"format": "trl-dpo", "mode": "sft"}, TypeError, "unexpected keyword argument 'mode'"),
        ({"format": "nemo-trajectories", "seed": 1}, TypeError, "unexpected keyword argument 'seed'"),
    ],
)
def test_the_export_node_checks_its_options_when_made(tmp_path, options, error, match):
    with pytest.raises(error, match=match):
        create_export_node(tmp_path / "c.jsonl", tmp_path / "o.jsonl", **options)


def test_the_export_node_accepts_valid_options(tmp_path):
    source = write(tmp_path / "c.jsonl", [rec(i) for i in range(3)])
    node = create_export_node(source, tmp_path / "o.jsonl", mode="self_correction", dedupe=True, validation_fraction=0.5, seed=1)
    assert node({})["exports"][0]["written"] + node({})["exports"][0]["validation_written"] == 3


@pytest.mark.parametrize(
    ("method", "options", "error", "match"),
    [
        ("nope", {}, ValueError, "method must be one of midpoint"),
        ("midpoint", {"bogus": 1}, TypeError, "unexpected keyword argument 'bogus'"),
        ("midpoint", {"min_samples": 0}, ValueError, "min_samples must be a whole number"),
        ("fbeta", {"beta": -1}, ValueError, "beta must be a finite number"),
    ],
)
def test_the_calibrate_node_checks_its_options_when_made(tmp_path, method, options, error, match):
    with pytest.raises(error, match=match):
        create_calibrate_node(tmp_path / "c.jsonl", method=method, **options)

"""Random records for checking that every fast reading of a record agrees with the model's."""

import copy
import math
import random

from pydantic import ValidationError

from langchain_semantix.training import records
from langchain_semantix.training.records import CorrectionRecord, RecordError, make_record
from tests.unit_tests.training._data import PAIR, rec


class Text(str):
    """A str subclass: the model decides what it makes of one."""


WEIRD = [
    None, "", " ", "x", "é 漢 \U0001f600", 0, 1, -1, 7, 2**63 - 1, 2**63, 2**64, 2**64 + 1, -(2**63), -(2**63) - 1,
    10**30, 0.0, -0.0, 0.5, 1.5, 1e18, 9.3e18, -9.3e18, 1e300, True, False, [], {}, ["a"], [1, 2.5], {"k": "v"},
    {"k": [2**70]}, [{"role": "user"}], {"role": "user", "content": "hi"}, [None, {"deep": [[1e19]]}], math.nan, math.inf,
]  # fmt: skip
#: Values only a Python caller (a store) can hand over; JSON lines cannot hold them.
PYTHON_ONLY = [("t", 1), {1: "int key"}, Text("sub"), "lone \ud800", b"bytes", {"k": (1,)}, {"k": math.nan}]


def base_records(i: int) -> list[dict]:
    full = make_record(**PAIR, tags=["t"], run_id=f"r{i}", threshold=0.5, judge="nli", model="m", custom={"n": i})
    rich = {
        **rec(i),
        "schema_version": 1,
        "prompt_messages": [
            {"role": "system", "content": "be kind"},
            {"role": "user", "content": [{"type": "text", "text": "hi"}], "name": "u"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "args": {"q": 1}}]},
        ],
        "rejected_attempts": [
            {"output": "a", "attempt": 1, "score": 0.1, "reason": "r", "logprobs": [{"t": "a", "p": -0.5}], "extra": [1]},
            {"output": "b", "score": 1, "threshold": 0},
        ],
        "accepted_logprobs": [{"t": "y", "p": -0.1}],
        "judge": {"kind": "nli", "model": "m", "scores": [0.1, 2]},
        "metadata": {"round": i, "nested": {"a": [True, None]}},
        "user_field": {"kept": ["as", "is"]},
    }
    return [rec(i), rec(i, prompt=False), full, rich]


def mutate(rng: random.Random, record: dict, values: list) -> None:
    """One random change: a field set to an odd value or removed, at the top or inside a
    message or an attempt, or an extra key added."""
    target = record
    lists = [k for k in ("prompt_messages", "rejected_attempts") if isinstance(record.get(k), list) and record[k]]
    if lists and rng.random() < 0.4:
        items = record[rng.choice(lists)]
        index = rng.randrange(len(items))
        if not isinstance(items[index], dict) or rng.random() < 0.1:
            items[index] = rng.choice(values)
            return
        target = items[index]
    keys = [*target, "role", "content", "output", "score", "attempt", "tags", "metadata", "judge", "extra_key"]
    key = rng.choice(keys)
    if key in target and rng.random() < 0.2:
        del target[key]
    else:
        target[key] = copy.deepcopy(rng.choice(values))


def corpus_of(seed: int, n: int, values: list) -> list[dict]:
    rng = random.Random(seed)
    corpus = []
    for i in range(n):
        for base in base_records(i):
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                mutate(rng, base, values)
            corpus.append(base)
    return corpus


def by_the_model(raw: dict) -> dict | str:
    """The reference: the pydantic model alone, then the check for unwritable text."""
    try:
        record = CorrectionRecord.model_validate(raw).model_dump()
        records._refuse_unwritable_text(record)
    except (ValidationError, RecordError):
        return "refused"
    return record

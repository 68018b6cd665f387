"""The collector against bad input: clear errors naming the argument and the fix, counts that
add up, nothing recorded lost, no huge values copied into messages."""

from __future__ import annotations

import warnings
from uuid import uuid4

import pytest
from langgraph.store.memory import InMemoryStore

from langchain_semantix import TrainingCollector
from langchain_semantix.events import OUTCOME_EVENT
from langchain_semantix.training import RecordError, read_jsonl
from langchain_semantix.training.collector import CollectorWriteWarning
from tests.unit_tests.training._data import PAIR, healed_outcome

BIG = "a" * 5_000_000


# -- store= ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "store,fix",
    [
        ("postgresql://app:secret@db/agents", r"open_store.*TrainingCollector\.from_store"),
        ("postgres://db/agents", r"open_store.*TrainingCollector\.from_store"),
        ("x.jsonl", r"'x\.jsonl'.*pass it as path"),
        (5, "got int 5.*path="),
        ({}, "got dict.*path="),
    ],
)
def test_a_store_that_is_not_a_base_store_is_refused_with_the_fix(tmp_path, monkeypatch, store, fix):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match=f"store must be a LangGraph BaseStore.*{fix}") as caught:
        TrainingCollector(store=store, spool="spool.jsonl")
    assert "secret" not in str(caught.value)  # a connection string's password is not echoed
    with pytest.raises(TypeError, match="store must be a LangGraph BaseStore"):
        TrainingCollector.from_store(store)  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())  # nothing created for a refused collector


@pytest.mark.parametrize(
    "spool,error,match",
    [(7, TypeError, "spool must be a file path"), (b"s.jsonl", TypeError, "spool must be a file path"), ("", ValueError, "spool is an empty"),
     ("postgresql://app@db/x", ValueError, "spool is a PostgreSQL connection string.*local JSONL file")],
)  # fmt: skip
def test_a_bad_spool_is_refused_for_store_collectors_too(tmp_path, monkeypatch, spool, error, match):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=match):
        TrainingCollector(store=InMemoryStore(), spool=spool)
    with pytest.raises(error, match=match):
        TrainingCollector(tmp_path / "c.jsonl", spool=spool)
    assert not list(tmp_path.iterdir())


class BrokenStore(InMemoryStore):
    """A store whose writes fail with an error that is not an OSError (not retried either)."""

    def batch(self, ops):  # type: ignore[no-untyped-def]
        if any(type(op).__name__ == "PutOp" for op in ops):
            raise RuntimeError("the store refused the write")
        return super().batch(ops)


def test_a_failing_store_write_on_the_callback_path_is_counted_and_spooled(tmp_path):
    collector = TrainingCollector.from_store(BrokenStore(), spool=tmp_path / "spool.jsonl")
    with pytest.warns(CollectorWriteWarning, match="the store refused the write.*kept in the spool"):
        collector.on_custom_event(OUTCOME_EVENT, healed_outcome(), run_id=uuid4())
    diagnostics = collector.diagnostics()
    assert diagnostics["healed"] == 1 and diagnostics["write_errors"] == 1 and diagnostics["spooled"] == 1
    assert [r["accepted_output"] for r in read_jsonl(tmp_path / "spool.jsonl")] == ["yes"]

    with pytest.warns(CollectorWriteWarning):
        kept = collector.record(**PAIR)  # spooled, so record() returns it rather than raising
    assert [r["id"] for r in read_jsonl(tmp_path / "spool.jsonl")][-1] == kept["id"]

    unspooled = TrainingCollector.from_store(BrokenStore())
    with pytest.warns(CollectorWriteWarning), pytest.raises(RuntimeError, match="refused"):
        unspooled.record(**PAIR)  # neither written nor spooled: raised
    assert unspooled.diagnostics()["write_errors"] == 1


# -- record() ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value,match",
    [
        ("metadata", "note", "metadata must be a dict.*got str 'note'"),
        ("metadata", 5, "metadata must be a dict.*got int 5"),
        ("metadata", [1], "metadata must be a dict.*got list"),
        ("tags", 5, "tags must be a list of strings.*got int 5"),
        ("rejected_score", 10**400, "rejected_score"),
        ("accepted_score", -(10**400), "accepted_score"),
    ],
)
async def test_record_and_arecord_refuse_bad_fields_with_a_record_error(tmp_path, field, value, match):
    path = tmp_path / "c.jsonl"
    collector = TrainingCollector(path)
    collector.record(**PAIR)
    with pytest.raises(RecordError, match=match):
        collector.record(**{**PAIR, field: value})
    with pytest.raises(RecordError, match=match):
        await collector.arecord(**{**PAIR, field: value})
    assert len(list(read_jsonl(path))) == 1


@pytest.mark.parametrize(
    "changes,match",
    [
        ({"tags": BIG}, "tags must be a list of strings"),
        ({"tags": 5, "metadata": {"k": BIG}}, "tags must be a list"),
        ({"attempts": BIG}, "attempts must be a positive int"),
        ({"metadata": BIG}, "metadata must be a dict"),
        ({"rejected_score": BIG}, "rejected_score"),
    ],
)
def test_error_messages_do_not_copy_huge_values(tmp_path, changes, match):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    with pytest.raises(RecordError, match=match) as caught:
        collector.record(**{**PAIR, **changes})
    assert len(str(caught.value)) < 500


@pytest.mark.parametrize("argument", ["on_error", "lock_timeout", "max_pending_bytes"])
def test_constructor_messages_do_not_copy_huge_values(tmp_path, argument):
    with pytest.raises(ValueError, match=argument) as caught:
        TrainingCollector(tmp_path / "c.jsonl", **{argument: BIG})
    assert len(str(caught.value)) < 500


# -- handle_outcome() ----------------------------------------------------------------------

_ATTEMPT = healed_outcome()["attempts"][0]
MALFORMED = [
    ({}, "session_id must be a non-empty str"),
    (None, "it must be a dict, got NoneType"),
    ({**healed_outcome(), "session_id": 5}, "session_id must be a non-empty str, got int"),
    ({**healed_outcome(), "passed": None}, "passed must be a bool"),
    ({**healed_outcome(), "attempts": None}, "attempts must be a list"),
    ({**healed_outcome(), "attempts": [{k: v for k, v in _ATTEMPT.items() if k != "attempt"}]}, r"attempts\[0\].*'attempt' number"),
    ({**healed_outcome(), "attempts": ["no", *healed_outcome()["attempts"]]}, r"attempts\[0\] must be an attempt summary"),
]
MALFORMED_HEALED = [  # healed (the accepted attempt is known), but no record can be made of it
    ({**healed_outcome(), "attempts": [{k: v for k, v in _ATTEMPT.items() if k != "output"}, healed_outcome()["attempts"][1]]},
     r"attempts\[0\] has no 'output'"),
    ({**healed_outcome(), "intents": [{"description": "d"}]}, r"intents\[0\] must hold a 'name'"),
    ({**healed_outcome(), "intents": None}, "intents must be a non-empty list"),
    ({**healed_outcome(), "accepted_attempt": BIG}, "accepted_attempt 'aaa.*names none of its attempts"),
]  # fmt: skip


@pytest.mark.parametrize("outcome,match", MALFORMED + MALFORMED_HEALED)
async def test_a_malformed_outcome_is_a_counted_record_error_naming_the_key(tmp_path, outcome, match):
    healed = 1 if any(outcome is o for o, _ in MALFORMED_HEALED) else 0
    for handle in ("handle_outcome", "ahandle_outcome"):
        collector = TrainingCollector(tmp_path / f"{handle}.jsonl")
        with pytest.warns(CollectorWriteWarning, match=match) as caught:
            result = getattr(collector, handle)(outcome)
            assert (await result if handle == "ahandle_outcome" else result) is None
        assert all(len(str(w.message)) < 1000 for w in caught)
        diagnostics = collector.diagnostics()
        assert (diagnostics["healed"], diagnostics["write_errors"], diagnostics["stored_pairs"]) == (healed, 1, 0)
        assert len(collector.write_errors[-1]) < 1000

        strict = TrainingCollector(tmp_path / f"strict-{handle}.jsonl", on_error="raise")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CollectorWriteWarning)
            with pytest.raises(RecordError, match=match):
                result = getattr(strict, handle)(outcome)
                if handle == "ahandle_outcome":
                    await result


def test_malformed_outcomes_on_the_callback_path_are_counted_and_the_others_still_written(tmp_path):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    with pytest.warns(CollectorWriteWarning):
        for n, (outcome, _) in enumerate(MALFORMED + MALFORMED_HEALED):
            if isinstance(outcome, dict):  # (the callback path ignores data that is not a dict)
                session = outcome.get("session_id")
                session = f"m{n}" if session in (None, "s") else session  # each its own session
                collector.on_custom_event(OUTCOME_EVENT, {**outcome, "session_id": session}, run_id=uuid4())
            collector.on_custom_event(OUTCOME_EVENT, healed_outcome(f"ok{n}"), run_id=uuid4())
    diagnostics = collector.diagnostics()
    malformed = sum(isinstance(o, dict) for o, _ in MALFORMED + MALFORMED_HEALED)
    assert diagnostics["stored_pairs"] == len(MALFORMED + MALFORMED_HEALED)
    assert diagnostics["write_errors"] == malformed
    # every healed session is either stored or counted as a write error
    assert diagnostics["healed"] <= diagnostics["stored_pairs"] + diagnostics["write_errors"]


async def test_ahandle_outcome_of_a_store_collector_refuses_a_malformed_outcome_on_the_loop(tmp_path):
    collector = TrainingCollector.from_store(InMemoryStore())
    with pytest.warns(CollectorWriteWarning, match="it must be a dict"):
        assert await collector.ahandle_outcome(None) is None  # type: ignore[arg-type]
    assert await collector.ahandle_outcome(healed_outcome()) is not None
    assert collector.stats()["total_pairs"] == 1


# -- records() -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "intent_filter,error,match",
    [
        ("", ValueError, "intent_filter must name an intent, but it is empty"),
        ("  \t", ValueError, "intent_filter must name an intent, but it is only whitespace"),
        (5, TypeError, "intent_filter must be an intent name \\(str\\) or None for every intent, got int 5"),
        (b"Polite", TypeError, "intent_filter must be an intent name"),
        ([BIG], TypeError, "intent_filter must be an intent name"),
    ],
)
def test_records_refuses_a_bad_intent_filter(tmp_path, intent_filter, error, match):
    collector = TrainingCollector(tmp_path / "c.jsonl")
    collector.record(**PAIR)
    with pytest.raises(error, match=match) as caught:
        collector.records(intent_filter)
    assert len(str(caught.value)) < 500 and "None" in str(caught.value)
    assert len(list(collector.records("Polite"))) == 1 and len(list(collector.records())) == 1
    assert list(collector.records("Other")) == []

"""training/postgres.py without a database: malformed connection strings, timeouts, namespaces."""

from __future__ import annotations

import asyncio
import math
import socket
import time

import pytest

from langchain_semantix.training.postgres import (
    StoreConnectionError,
    _libpq_timeout,
    _pool_options,
    open_async_store,
    open_spec,
    open_store,
    redact,
    split_spec,
)

pytest.importorskip("psycopg", reason="needs the postgres extra")
pytest.importorskip("langgraph.store.postgres", reason="needs langgraph-checkpoint-postgres (the postgres extra)")


@pytest.mark.parametrize(
    ("conn_str", "secret", "cause"),
    [
        ("postgresql://app:s ecret@db/agents", "s ecret", "unexpected spaces"),
        ("postgresql://app:hunter2@db/agents?bogusopt=1", "hunter2", "bogusopt"),
    ],
)
def test_a_malformed_connection_string_is_a_store_connection_error_without_the_password(conn_str, secret, cause):
    with pytest.raises(StoreConnectionError, match="is malformed") as caught:
        with open_store(conn_str, connect_timeout=1):
            pass
    message = str(caught.value)
    assert secret not in message and cause in message and "percent-encode" in message
    with pytest.raises(StoreConnectionError, match="is malformed") as caught:
        asyncio.run(_open_async(conn_str))
    assert secret not in str(caught.value)


async def _open_async(conn_str: str) -> None:
    async with open_async_store(conn_str, connect_timeout=1):
        pass


def test_a_fraction_of_a_second_never_means_wait_forever():
    assert [_libpq_timeout(t) for t in (0.5, 1, 1.2, 10)] == [1, 1, 2, 10]
    assert _pool_options(4, 0.5)["kwargs"]["connect_timeout"] == 1
    for bad in (0, -1, math.inf, math.nan, True, "10"):
        with pytest.raises(ValueError, match="connect_timeout must be a finite number of seconds above 0"):
            _libpq_timeout(bad)


def test_a_server_that_never_answers_times_out():
    with socket.socket() as listener:  # accepts connections (the kernel's backlog) and never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        start = time.monotonic()
        with pytest.raises(StoreConnectionError, match="cannot connect"):
            with open_store(f"postgresql://app:pw@127.0.0.1:{port}/db", connect_timeout=0.5):
                pass
        assert time.monotonic() - start < 10


@pytest.mark.parametrize("fragment", ["", ".", "...", "a..b", ".a.", "a."])
def test_an_empty_or_malformed_namespace_is_refused(fragment):
    with pytest.raises(ValueError, match=r"is not a namespace; use #part\.part, e\.g\. #semantix\.corrections"):
        split_spec(f"postgresql://app:hunter2@h/db#{fragment}")
    with pytest.raises(ValueError, match="is not a namespace"), open_spec(f"postgresql://app:hunter2@h/db#{fragment}"):
        pass


def test_valid_namespaces_are_read_as_before():
    assert split_spec("postgresql://h/db#semantix") == ("postgresql://h/db", ("semantix",))
    assert split_spec("postgresql://u:p@h/db#semantix.corrections") == ("postgresql://u:p@h/db", ("semantix", "corrections"))
    assert split_spec("postgresql://h/db") == ("postgresql://h/db", None)


def test_a_hash_in_the_password_is_never_shown():
    spec = "postgresql://u:s3c#ret@/db"
    assert "s3c" not in redact(spec) and "ret" not in redact(spec)
    with pytest.raises(ValueError, match="percent-encode # as %23") as caught:
        split_spec(spec)
    assert "s3c" not in str(caught.value) and "ret@" not in str(caught.value)
    assert redact("postgresql://u:s3c%23ret@h/db#semantix.x") == "postgresql://u:***@h/db#semantix.x"

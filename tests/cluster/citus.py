"""A three-node Citus cluster on loopback for the `cluster` test group: a coordinator and two workers.

Each node is a PostgreSQL 15 instance of its own (initdb in a temporary folder, `citus` preloaded) on a
free loopback port, trusting loopback connections (the nodes connect to each other as the connecting
role). Run as root, the instances run as the `postgres` OS user, which owns the folder.

`Cluster.create_database` makes a database on every node, creates the extension there and, on the
coordinator, registers the coordinator and the workers: what an operator does once (README, "Running
on Citus"). Citus does not propagate `CREATE DATABASE` by default, so the database is made on each node.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import asyncpg

INITDB_OPTIONS = ("-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
PG_BIN = Path(os.environ.get("CHANNELGRAPH_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def citus_installed() -> bool:
    """Whether this machine's PostgreSQL has the Citus library (the CI installs it first)."""
    if not (PG_BIN / "initdb").exists():
        return False
    libdir = subprocess.run(
        [str(PG_BIN / "pg_config"), "--pkglibdir"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return bool(libdir) and (Path(libdir) / "citus.so").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Node:
    name: str
    pgdata: Path
    port: int


class Cluster:
    def __init__(self, root: Path, workers: int = 2) -> None:
        self.root = Path(root)
        names = ["coordinator"] + [f"worker{n}" for n in range(1, workers + 1)]
        self.nodes = [Node(name, self.root / name, 0) for name in names]
        self._as_postgres = os.geteuid() == 0

    @property
    def coordinator(self) -> Node:
        return self.nodes[0]

    @property
    def workers(self) -> list[Node]:
        return self.nodes[1:]

    def admin_url(self, node: Node | None = None, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{(node or self.coordinator).port}/{database}"

    def start(self) -> str:
        """initdb and start every node; returns the coordinator's superuser URL."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        for node in self.nodes:
            node.port = free_port()
            self._run("initdb", "-D", str(node.pgdata), *INITDB_OPTIONS)
            settings = {
                "shared_preload_libraries": "'citus'",
                "listen_addresses": "'127.0.0.1'",
                "port": str(node.port),
                "unix_socket_directories": f"'{node.pgdata}'",
                "max_connections": "300",
                "shared_buffers": "64MB",
                "fsync": "off",
                "synchronous_commit": "off",
                "full_page_writes": "off",
                "wal_level": "logical",  # the shard moves of the rebalancer and tenant isolation
                "max_worker_processes": "32",
                "citus.max_adaptive_executor_pool_size": "2",
                "citus.max_cached_conns_per_worker": "4",  # connections kept between transactions
                "citus.shard_count": "2",  # one shard per worker: tenants on both, fewer tasks per statement
                "citus.propagate_set_commands": "'local'",
                "jit": "off",
            }
            with (node.pgdata / "postgresql.conf").open("a") as conf:
                conf.write("".join(f"{key} = {value}\n" for key, value in settings.items()))
            self._run("pg_ctl", "-D", str(node.pgdata), "-l", str(node.pgdata / "log"), "-w", "-t", "60", "start")
        return self.admin_url()

    def stop(self) -> None:
        for node in reversed(self.nodes):
            if (node.pgdata / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(node.pgdata), "-m", "immediate", "-w", "stop", check=False)

    async def create_database(self, name: str) -> str:
        """`name` on every node with the extension in it, the workers added; returns its superuser URL.

        Roles created through the returned URL reach every worker (Citus propagates `CREATE ROLE` and
        records the roles as its own): roles it had to propagate later, as a dependency of the owner's
        first function, it would re-create as that owner, which PostgreSQL refuses to a non-superuser.
        """
        for node in self.nodes:
            conn = await asyncpg.connect(self.admin_url(node))
            try:
                if not await conn.fetchval("select 1 from pg_database where datname = $1", name):
                    await conn.execute(f'create database "{name}"')
            finally:
                await conn.close()
            conn = await asyncpg.connect(self.admin_url(node, name))
            try:
                await conn.execute("create extension if not exists citus")
            finally:
                await conn.close()
        conn = await asyncpg.connect(self.admin_url(database=name))
        try:
            await conn.execute("select citus_set_coordinator_host('127.0.0.1', $1)", self.coordinator.port)
            for worker in self.workers:
                await conn.execute("select citus_add_node('127.0.0.1', $1)", worker.port)
        finally:
            await conn.close()
        return self.admin_url(database=name)

    async def give_database(self, name: str, owner: str) -> None:
        """Make `owner` (a propagated role) the owner of `name`: on the coordinator, which forwards it."""
        conn = await asyncpg.connect(self.admin_url(database=name))
        try:
            await conn.execute(f'alter database "{name}" owner to "{owner}"')
        finally:
            await conn.close()

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        command = [str(PG_BIN / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root, check=False)
        if check and done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

"""Bringing a database to life: the bootstrap of roles and database (`db init`), migrations, readiness.

Roles come from this bootstrap, not from migrations: the owner owns the schemas and runs
Alembic; the runtime role has DML grants only and cannot bypass row-level security; the relay role
reads the outbox across tenants. On managed PostgreSQL an operator creates them once instead.
"""

from __future__ import annotations

import asyncio
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from authz.policy import DEFAULT_POLICY_LINES

if TYPE_CHECKING:
    from alembic.config import Config
from tenants.database import async_url

# Located, not imported: the gateway runs migrations through Alembic and never imports them (docs/architecture.md).
MIGRATIONS_DIR = Path(importlib.util.find_spec("migrations").submodule_search_locations[0])


@dataclass(frozen=True)
class Role:
    name: str
    password: str | None


@dataclass(frozen=True)
class Roles:
    owner: Role
    app: Role
    relay: Role


def plain_url(url: str) -> str:
    """A URL asyncpg itself accepts (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def url_for(base_url: str, role: Role, database: str) -> str:
    """`base_url`'s server, connected as `role` to `database`."""
    url = make_url(async_url(base_url)).set(username=role.name, password=role.password, database=database)
    return url.render_as_string(hide_password=False)


async def bootstrap(admin_url: str, database: str, roles: Roles) -> None:
    """Create (or correct) the three roles and the database. Idempotent."""
    conn = await asyncpg.connect(plain_url(admin_url))
    try:
        for role, extra in ((roles.owner, ""), (roles.app, ""), (roles.relay, "")):
            exists = await conn.fetchval("select 1 from pg_roles where rolname = $1", role.name)
            verb = "alter" if exists else "create"
            password = (
                ""
                if role.password is None
                else await conn.fetchval("select format('password %L', $1::text)", role.password)
            )
            await conn.execute(
                f"{verb} role {_ident(role.name)} login nosuperuser nocreatedb nocreaterole"
                f" noreplication nobypassrls {password}{extra}"
            )
        if not await conn.fetchval("select 1 from pg_database where datname = $1", database):
            await conn.execute(f"create database {_ident(database)} owner {_ident(roles.owner.name)}")
        for role in (roles.app, roles.relay):
            await conn.execute(f"grant connect on database {_ident(database)} to {_ident(role.name)}")
    finally:
        await conn.close()
    target = make_url(async_url(admin_url)).set(database=database).render_as_string(hide_password=False)
    conn = await asyncpg.connect(plain_url(target))
    try:
        # Nobody but the owner creates objects; the runtime roles only use what migrations grant.
        await conn.execute("revoke create on schema public from public")
        await _trigram_search(conn)
    finally:
        await conn.close()


async def _trigram_search(conn: asyncpg.Connection) -> None:
    """`pg_trgm` (the migrations create it too), with its similarity operator declared leakproof where the
    administrator may: it returns a boolean and raises for no input, and only a leakproof operator may use an
    index under row security — else the conflict check's trigram search reads the whole tenant's rows."""
    await conn.execute("create extension if not exists pg_trgm with schema public")
    await conn.execute("create extension if not exists btree_gin with schema public")
    if await conn.fetchval("select rolsuper from pg_roles where rolname = current_user"):
        await conn.execute("alter function public.similarity_op(text, text) leakproof")


async def drop(admin_url: str, database: str, roles: Roles) -> None:
    """Drop the database and the roles (tests' per-run databases)."""
    conn = await asyncpg.connect(plain_url(admin_url))
    try:
        await conn.execute(f"drop database if exists {_ident(database)} with (force)")
        for role in (roles.app, roles.relay, roles.owner):
            await conn.execute(f"drop role if exists {_ident(role.name)}")
    finally:
        await conn.close()


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'


def alembic_config(roles: Roles) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["app_role"] = roles.app.name
    config.attributes["relay_role"] = roles.relay.name
    return config


async def migrate(owner_url: str, roles: Roles, revision: str = "heads") -> None:
    """Upgrade to `revision` as the owner, then bring the shared default policy lines up to date. A database
    already at the heads is not handed to Alembic's upgrade (which loads every script: most of a command's
    start on the embedded default)."""
    from alembic import command  # Alembic (and Mako) load only when a command migrates

    config = alembic_config(roles)
    engine = create_async_engine(async_url(owner_url), poolclass=NullPool)
    try:
        async with engine.begin() as conn:

            def upgrade(sync_conn) -> None:
                config.attributes["connection"] = sync_conn
                command.upgrade(config, revision)

            if revision != "heads" or await current_revision(conn) != head_revision():
                await conn.run_sync(upgrade)
            await conn.execute(text("delete from platform.policy_rules"))
            await conn.execute(
                text(
                    "insert into platform.policy_rules (ptype, role, dom, obj, act, eft)"
                    " values (:ptype, :role, :dom, :obj, :act, :eft)"
                ),
                [
                    dict(zip(("ptype", "role", "dom", "obj", "act", "eft"), line, strict=True))
                    for line in DEFAULT_POLICY_LINES
                ],
            )
    finally:
        await engine.dispose()


def head_revision() -> str:
    """The script's head revisions, sorted and joined by commas."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ",".join(sorted(ScriptDirectory.from_config(config).get_heads()))


async def current_revision(conn) -> str:
    """The applied revisions (same form as `head_revision`), read on an open SQLAlchemy async connection."""

    from alembic.runtime.migration import MigrationContext

    def read(sync_conn) -> str:
        context = MigrationContext.configure(sync_conn, opts={"version_table_schema": "platform"})
        return ",".join(sorted(context.get_current_heads()))

    return await conn.run_sync(read)


def run(coro):
    """Run a coroutine from synchronous CLI code."""
    return asyncio.run(coro)

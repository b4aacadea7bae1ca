"""Spreading the store over a Citus cluster (`channelgraph db distribute`): docs/architecture.md, "Citus".

Run as the owner role on the coordinator's database after `migrate`. In order:

1. the platform tables that hold what every node must see — `platform.tenants`, which every tenant table
   references, and the global index read before a tenant is known (`api_key_index`) —
   become reference tables (a copy on every node);
2. every `app` table is distributed by `tenant_id`, all in one co-location group (a tenant's rows of every
   table on the same shard, so a tenant's joins, foreign keys and policies stay on one node), in an order
   where a table comes after every table it references.

Idempotent: tables Citus already knows are skipped. On a database without the extension it refuses. The
other platform tables (admins, the platform's audit log, default policy rules, the broker's and Alembic's
tables) stay on the coordinator: nothing distributed references them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from gateway.database import plain_url

REFERENCE_TABLES = ("platform.tenants", "platform.api_key_index")
DISTRIBUTION_COLUMN = "tenant_id"


class NotCitus(Exception):
    """The database has no Citus extension: there is nothing to distribute over."""


@dataclass
class Distribution:
    reference: list[str] = field(default_factory=list)
    distributed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


async def distribute(owner_url: str) -> Distribution:
    """Make the reference tables, then distribute every `app` table, in one transaction; returns what was done.

    Citus turns a local table that references a new reference table into a "Citus local" table, and then
    refuses to distribute it while another local table still references it. So the foreign keys among the
    tables concerned are dropped first and re-created once every table has its place (checked again then).
    """
    conn = await asyncpg.connect(plain_url(owner_url))
    try:
        if not await conn.fetchval("select 1 from pg_extension where extname = 'citus'"):
            raise NotCitus("this database has no Citus extension (create extension citus; add the workers first)")
        known = {row[0] for row in await conn.fetch("select logicalrelid::regclass::text from pg_dist_partition")}
        reference = [t for t in REFERENCE_TABLES if await _exists(conn, t)]
        reference += [t for t in await _referenced_platform(conn) if t not in reference]
        tables = await app_tables_in_order(conn)
        done = Distribution(already=[t for t in reference + tables if t in known])
        if len(done.already) == len(reference) + len(tables):
            return done
        async with conn.transaction():
            # One connection per node and statement at a time: DDL after writes to reference tables.
            await conn.execute("set local citus.multi_shard_modify_mode to 'sequential'")
            keys = await _foreign_keys(conn, [t for t in reference + tables if t not in known])
            for table, name, _ in keys:
                await conn.execute(f"alter table {table} drop constraint {_quote(name)}")
            for table in reference:
                if table not in known:
                    await conn.execute("select create_reference_table($1::regclass)", table)
                    done.reference.append(table)
            anchor = next((t for t in tables if t in known), None)
            for table in tables:
                if table not in known:
                    await conn.execute(
                        "select create_distributed_table($1::regclass, $2, colocate_with => $3)",
                        table,
                        DISTRIBUTION_COLUMN,
                        anchor or "default",
                    )
                    done.distributed.append(table)
                anchor = anchor or table
            for table, name, definition in keys:
                await conn.execute(f"alter table {table} add constraint {_quote(name)} {definition}")
        return done
    finally:
        await conn.close()


async def _foreign_keys(conn: asyncpg.Connection, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, constraint, definition) of every foreign key from or to one of `tables`."""
    rows = await conn.fetch(
        "select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint"
        " where contype = 'f' and (conrelid::regclass::text = any($1) or confrelid::regclass::text = any($1))"
        " order by 1, 2",
        tables,
    )
    return [(row[0], row[1], row[2]) for row in rows]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _exists(conn: asyncpg.Connection, table: str) -> bool:
    return bool(await conn.fetchval("select to_regclass($1) is not null", table))


async def _referenced_platform(conn: asyncpg.Connection) -> list[str]:
    """Platform tables an `app` table references (they must be reference tables before it is distributed)."""
    rows = await conn.fetch(
        "select distinct confrelid::regclass::text from pg_constraint c join pg_class r on r.oid = c.conrelid"
        " where c.contype = 'f' and r.relnamespace = 'app'::regnamespace"
        " and c.confrelid::regclass::text like 'platform.%' order by 1"
    )
    return [row[0] for row in rows]


async def app_tables_in_order(conn: asyncpg.Connection) -> list[str]:
    """Every `app` table, each after the `app` tables it references (by name among equals)."""
    tables = [
        row[0]
        for row in await conn.fetch(
            "select c.oid::regclass::text from pg_class c where c.relnamespace = 'app'::regnamespace"
            " and c.relkind in ('r', 'p') order by 1"
        )
    ]
    edges = await conn.fetch(
        "select conrelid::regclass::text, confrelid::regclass::text from pg_constraint"
        " where contype = 'f' and conrelid <> confrelid and connamespace = 'app'::regnamespace"
    )
    needs: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in edges:
        if parent in needs:
            needs[child].add(parent)
    ordered: list[str] = []
    while needs:
        ready = sorted(table for table, parents in needs.items() if not parents - set(ordered))
        if not ready:
            raise RuntimeError(f"foreign keys form a cycle among {sorted(needs)}")
        for table in ready:
            ordered.append(table)
            del needs[table]
    return ordered

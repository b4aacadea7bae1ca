"""The database's own shape enforces isolation (docs/architecture.md, rules 1, 2 and 4), read from the catalog.

A table added to `app` later without these properties fails here.
"""

from __future__ import annotations

import re

import asyncpg
import pytest

from gateway.database import plain_url

pytestmark = pytest.mark.asyncio(loop_scope="session")

TENANT_EXPR = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)"
# The functions policies may call: each reads settings only (no table), so the policies run on Citus too.
SETTING_FUNCTIONS = {
    "current_audience",
    "current_user_id",
    "current_partner_id",
    "current_customer_id",
    "partner_scope",
}


async def _fetch(database, sql: str, *args):
    conn = await asyncpg.connect(plain_url(database.app_url))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_runtime_role_cannot_bypass_rls(database):
    rows = await _fetch(
        database,
        "select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, current_user as me from pg_roles"
        " where rolname = current_user",
    )
    role = rows[0]
    assert role["me"] == database.roles.app.name
    assert not role["rolsuper"] and not role["rolbypassrls"]
    assert not role["rolcreaterole"] and not role["rolcreatedb"]
    owned = await _fetch(
        database,
        "select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname in ('app', 'platform') and pg_get_userbyid(c.relowner) = current_user",
    )
    assert owned[0]["n"] == 0, "the runtime role must own nothing"
    member_of_owner = await _fetch(
        database, "select pg_has_role(current_user, $1, 'member') as m", database.roles.owner.name
    )
    assert not member_of_owner[0]["m"]


async def test_runtime_role_has_no_ddl_rights(database):
    rows = await _fetch(
        database,
        "select has_schema_privilege(current_user, 'app', 'create') as app_create,"
        " has_schema_privilege(current_user, 'platform', 'create') as platform_create,"
        " has_schema_privilege(current_user, 'public', 'create') as public_create",
    )
    assert not any(rows[0].values())


async def _app_tables(database) -> list[str]:
    rows = await _fetch(
        database,
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'app' and c.relkind in ('r', 'p') order by 1",
    )
    return [r["relname"] for r in rows]


async def test_every_app_table_is_isolated(database):
    tables = await _app_tables(database)
    assert len(tables) >= 14
    rows = await _fetch(
        database,
        "select c.relname, c.relrowsecurity, c.relforcerowsecurity from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'app' and c.relkind in ('r', 'p')",
    )
    for row in rows:
        assert row["relrowsecurity"], f"{row['relname']}: RLS not enabled"
        assert row["relforcerowsecurity"], f"{row['relname']}: RLS not forced"
    policies = await _fetch(
        database,
        "select tablename, policyname, permissive, cmd, qual, with_check, roles::text[] as roles from pg_policies where schemaname = 'app'",
    )
    for table in tables:
        tenant = [
            p
            for p in policies
            if p["tablename"] == table
            and p["permissive"] == "PERMISSIVE"
            and "tenant_id" in (p["qual"] or "")
            and TENANT_EXPR in (p["qual"] or "")
        ]
        assert tenant, f"{table}: no fail-closed tenant policy"
        for policy in (p for p in policies if p["tablename"] == table and p["permissive"] == "PERMISSIVE"):
            # Every permissive policy is the tenant policy: nothing opens rows across tenants, except
            # the relay's own policy on the outbox, granted to the relay role alone.
            if table == "outbox" and list(policy["roles"]) == [database.roles.relay.name]:
                continue
            assert TENANT_EXPR in (policy["qual"] or policy["with_check"] or ""), f"{table}.{policy['policyname']}"
            assert list(policy["roles"]) == ["public"], f"{table}.{policy['policyname']}"
        # No restrictive policy: Citus copies them to its shards as permissive ones (migration 0011). So every
        # command has a permissive policy of its own, holding the tenant equality and the audience wall.
        assert not [p for p in policies if p["tablename"] == table and p["permissive"] == "RESTRICTIVE"], table
        commands = {p["cmd"] for p in policies if p["tablename"] == table and list(p["roles"]) == ["public"]}
        assert commands == {"SELECT", "INSERT", "UPDATE", "DELETE"}, f"{table}: {sorted(commands)}"


async def test_policies_read_settings_only(database):
    """No policy holds a subquery or calls a function that reads a table: Citus refuses those on distributed
    tables (and a policy that reads another table is one more place a leak could hide)."""
    policies = await _fetch(
        database,
        "select schemaname, tablename, policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') as body"
        " from pg_policies where schemaname in ('app', 'platform')",
    )
    assert len(policies) >= 60
    for policy in policies:
        where = f"{policy['schemaname']}.{policy['tablename']}.{policy['policyname']}"
        assert "select" not in policy["body"].lower(), f"{where} holds a subquery: {policy['body']}"
        for function in re.findall(r"app\.(\w+)\(", policy["body"]):
            assert function in SETTING_FUNCTIONS, f"{where} calls app.{function}()"
    sources = await _fetch(
        database,
        "select p.proname, p.prosrc, p.provolatile::text as provolatile from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
        " where n.nspname = 'app' and p.proname = any($1::text[])",
        list(SETTING_FUNCTIONS),
    )
    assert {s["proname"] for s in sources} == SETTING_FUNCTIONS
    for source in sources:
        assert " from " not in source["prosrc"].lower(), f"app.{source['proname']}() reads a table"
        assert source["provolatile"] in ("s", "i"), f"app.{source['proname']}() is not stable"


async def test_tenant_id_leads_every_key(database):
    tables = await _app_tables(database)
    constraints = await _fetch(
        database,
        """
        select c.conrelid::regclass::text as tbl, c.conname, c.contype::text as contype,
               (select attname from pg_attribute where attrelid = c.conrelid and attnum = c.conkey[1]) as first_col,
               (select attname from pg_attribute where attrelid = c.confrelid and attnum = c.confkey[1]) as ref_first,
               c.confrelid::regclass::text as ref_table,
               (select n.nspname from pg_class r join pg_namespace n on n.oid = r.relnamespace
                 where r.oid = c.confrelid) as ref_schema
          from pg_constraint c join pg_class t on t.oid = c.conrelid
          join pg_namespace n on n.oid = t.relnamespace
         where n.nspname = 'app' and c.contype in ('p', 'u', 'f')
        """,
    )
    with_pk = {c["tbl"] for c in constraints if c["contype"] == "p"}
    assert with_pk == {f"app.{t}" for t in tables}, "every app table has a primary key"
    for c in constraints:
        if c["contype"] in ("p", "u"):
            assert c["first_col"] == "tenant_id", f"{c['tbl']}.{c['conname']}: tenant_id must lead"
        elif c["ref_schema"] == "app":
            assert c["first_col"] == "tenant_id" and c["ref_first"] == "tenant_id", (
                f"{c['tbl']}.{c['conname']}: a foreign key to a tenant table must include tenant_id first"
            )
    unique_indexes = await _fetch(
        database,
        "select indexrelid::regclass::text as idx, (select attname from pg_attribute"
        " where attrelid = i.indrelid and attnum = i.indkey[0]) as first_col"
        " from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace"
        " where n.nspname = 'app'",
    )
    for index in unique_indexes:
        assert index["first_col"] == "tenant_id", f"{index['idx']}: indexes start with tenant_id"

"""With tenant A set, no row of tenant B can be read or written through any table; with none set,
nothing at all. The rows come from tests/isolation/rows.py: one in every app table for each tenant."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from authz.principal import Audience, Principal
from tenants.database import create_engine, session_factory, tenant_session
from tests.isolation.rows import INSERTS, TABLES, populate

pytestmark = pytest.mark.asyncio(loop_scope="session")

APPEND_ONLY = {"audit_log"}
NOT_DELETED = {"audit_log", "outbox"}  # no DELETE grant at all
KEYED_BY_PAIR = {"partner_ancestry"}  # keyed by (ancestor, descendant), no id of its own


@pytest.fixture
async def two_tenants(sessions, new_tenant):
    a, b = await new_tenant("wall-a"), await new_tenant("wall-b")
    return a, await populate(sessions, a.id), b, await populate(sessions, b.id)


async def counts(sessions, tenant_id: uuid.UUID) -> dict[str, int]:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as session:
        return {t: (await session.execute(text(f"select count(*) from app.{t}"))).scalar() for t in TABLES}


def vendor_admin(tenant_id: uuid.UUID) -> Principal:
    return Principal(Audience.VENDOR, user_id=uuid.uuid4(), tenant_id=tenant_id, roles=frozenset({"admin"}))


@pytest.mark.parametrize("as_vendor", [False, True], ids=["system", "vendor"])
async def test_no_cross_tenant_reads_or_writes(sessions, two_tenants, as_vendor):
    a, _, b, _ = two_tenants
    before = await counts(sessions, b.id)
    assert all(before[t] >= 1 for t in TABLES)
    principal = vendor_admin(a.id) if as_vendor else Principal.system(a.id)
    async with tenant_session(sessions, principal) as session:
        for table in TABLES:
            seen = await session.execute(text(f"select count(*) from app.{table} where tenant_id = :b"), {"b": b.id})
            assert seen.scalar() == 0, table
            if table in NOT_DELETED:
                continue
            updated = await session.execute(
                text(f"update app.{table} set tenant_id = tenant_id where tenant_id = :b"), {"b": b.id}
            )
            assert updated.rowcount == 0, table
            deleted = await session.execute(text(f"delete from app.{table} where tenant_id = :b"), {"b": b.id})
            assert deleted.rowcount == 0, table
    assert await counts(sessions, b.id) == before


@pytest.mark.parametrize("table,sql", INSERTS, ids=[t for t, _ in INSERTS])
async def test_inserting_into_another_tenant_fails(sessions, two_tenants, table, sql):
    a, _, b, b_ids = two_tenants
    before = await counts(sessions, b.id)
    with pytest.raises(DBAPIError) as raised:
        async with tenant_session(sessions, Principal.system(a.id)) as session:
            await session.execute(text(sql), {"t": b.id, "x": uuid.uuid4(), **b_ids})
    assert "row-level security" in str(raised.value) or "violates foreign key" in str(raised.value)
    assert await counts(sessions, b.id) == before


@pytest.mark.parametrize("table", [t for t, _ in INSERTS if t not in APPEND_ONLY | KEYED_BY_PAIR])
async def test_moving_a_row_to_another_tenant_fails(sessions, two_tenants, table):
    a, a_ids, b, _ = two_tenants
    before_a, before_b = await counts(sessions, a.id), await counts(sessions, b.id)
    with pytest.raises(DBAPIError):
        async with tenant_session(sessions, Principal.system(a.id)) as session:
            await session.execute(
                text(f"update app.{table} set tenant_id = :b where tenant_id = :a and id = :id"),
                {"a": a.id, "b": b.id, "id": a_ids[table]},
            )
    assert (await counts(sessions, a.id), await counts(sessions, b.id)) == (before_a, before_b)


async def test_audit_log_is_append_only(sessions, two_tenants):
    a, _, _, _ = two_tenants
    for statement in ("update app.audit_log set action = 'x'", "delete from app.audit_log"):
        with pytest.raises(DBAPIError, match="permission denied"):
            async with tenant_session(sessions, Principal.system(a.id)) as session:
                await session.execute(text(statement))


async def test_no_tenant_set_sees_nothing_and_writes_nothing(engine, two_tenants):
    a, a_ids, _, _ = two_tenants
    async with engine.connect() as conn:
        for table in TABLES:
            assert (await conn.execute(text(f"select count(*) from app.{table}"))).scalar() == 0, table
        await conn.rollback()
    for _table, sql in INSERTS:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError):
                await conn.execute(text(sql), {"t": a.id, "x": uuid.uuid4(), **a_ids})
            await conn.rollback()
    # Audience unset but tenant set: the audience walls still hold.
    async with engine.connect() as conn:
        await conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(a.id)})
        for table in TABLES:
            assert (await conn.execute(text(f"select count(*) from app.{table}"))).scalar() == 0, table
        await conn.rollback()


async def test_pool_reuse_never_carries_identity(database, two_tenants):
    a, _, b, _ = two_tenants
    engine = create_engine(database.app_url, pool_size=1)
    engine.pool._max_overflow = 0  # one connection, reused by every unit of work below
    sessions = session_factory(engine)
    try:
        connections = set()
        for round_ in range(3):
            for tenant in (a, b):
                async with tenant_session(sessions, Principal.system(tenant.id), read_only=True) as session:
                    row = (
                        await session.execute(
                            text(
                                "select current_setting('app.tenant_id', true) as tenant, pg_backend_pid() as pid,"
                                " (select count(*) from app.partners) as partners,"
                                " (select count(distinct tenant_id) from app.partners) as tenants"
                            )
                        )
                    ).one()
                assert row.tenant == str(tenant.id) and row.tenants == 1
                connections.add(row.pid)
            # An error and a rollback in A's unit of work leave nothing behind for B's.
            with pytest.raises(DBAPIError):
                async with tenant_session(sessions, Principal.system(a.id)) as session:
                    await session.execute(text("select 1/0"))
            async with sessions() as bare, bare.begin():
                leftover = (await bare.execute(text("select current_setting('app.tenant_id', true)"))).scalar()
                visible = (await bare.execute(text("select count(*) from app.partners"))).scalar()
            assert leftover in (None, "") and visible == 0, round_
        assert len(connections) == 1, "the test must reuse one pooled connection"
    finally:
        await engine.dispose()

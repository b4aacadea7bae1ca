"""`channelgraph db distribute` on the cluster: every `app` table distributed by tenant_id in one co-location
group, the platform tables tenants reference made reference tables, and a second run changes nothing."""

from __future__ import annotations

import asyncpg
import pytest

from gateway.database import plain_url
from tests.integration.test_cli import channelgraph

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.cluster]


async def _placement(database) -> dict[str, tuple[str, str | None, int]]:
    conn = await asyncpg.connect(plain_url(database.owner_url))
    try:
        rows = await conn.fetch(
            "select logicalrelid::regclass::text as name, partmethod::text as method,"
            " column_to_column_name(logicalrelid, partkey) as column, colocationid from pg_dist_partition"
        )
        return {row["name"]: (row["method"], row["column"], row["colocationid"]) for row in rows}
    finally:
        await conn.close()


async def test_every_app_table_is_distributed_by_tenant_and_co_located(database):
    placed = await _placement(database)
    app_tables = {name: where for name, where in placed.items() if name.startswith("app.")}
    assert len(app_tables) >= 30
    assert {(method, column) for method, column, _ in app_tables.values()} == {("h", "tenant_id")}
    assert len({group for _, _, group in app_tables.values()}) == 1
    assert placed["platform.tenants"][0] == "n" and placed["platform.api_key_index"][0] == "n"


async def test_distribute_again_changes_nothing(database):
    before = await _placement(database)
    again = channelgraph(database, "db", "distribute", owner=True)
    assert again.returncode == 0, again.stderr
    assert "0 reference tables and 0 distributed tables made" in again.stdout
    assert await _placement(database) == before

"""The benchmark harness on a tiny data set (no PostGraphile, no wrk, no pgbench): the generator's rows are
consistent and reproducible, the bulk load fills the ancestry, and every scenario's ChannelGraph document and
raw SQL run without errors under the same identity."""

from __future__ import annotations

import json
import re

import asyncpg
import pytest
from sqlalchemy import make_url

from bench import datagen, dataset, scenarios
from bench.config import DataSpec
from tenants.database import async_url
from tests.conftest import JWT_SECRET

TINY = DataSpec(seed=7, tenants=2, distributors=2, partners=6, customers=30, deals=90, reps=2)


def _plan(spec: DataSpec, index: int = 0) -> datagen.TenantPlan:
    stages = [datagen.Stage(datagen.uuid.UUID(int=i + 1), f"S{i}", kind, 10) for i, kind in
              enumerate(("open", "open", "won", "lost"))]  # fmt: skip
    owners = [datagen.uuid.UUID(int=100 + i) for i in range(3)]
    return datagen.TenantPlan(spec, index, datagen.uuid.UUID(int=999), owners, stages)


def _rows(plan: datagen.TenantPlan) -> dict[str, list[tuple]]:
    return {
        "partners": [*plan.distributor_rows(), *plan.reseller_rows()],
        "customers": list(plan.customer_rows()),
        "contacts": list(plan.contact_rows()),
        "deals": list(plan.deal_rows()),
        "activities": list(plan.activity_rows()),
    }


def test_generator_is_consistent_and_reproducible():
    first, again = _rows(_plan(TINY)), _rows(_plan(TINY))
    assert first == again
    assert (
        _rows(_plan(DataSpec(seed=8, **{k: v for k, v in TINY.__dict__.items() if k != "seed"})))["deals"]
        != first["deals"]
    )
    partners = {r[1]: r for r in first["partners"]}
    assert len(partners) == TINY.partners
    assert all(r[8] is None or partners[r[8]][3] == "distributor" for r in first["partners"])
    customers = {r[1]: r for r in first["customers"]}
    assert len(customers) == TINY.customers and all(r[8] is None or r[8] in partners for r in customers.values())
    assert len(first["contacts"]) == TINY.customers * TINY.contacts_per_customer
    assert len(first["deals"]) == TINY.deals
    for deal in first["deals"]:
        assert deal[3] in customers
        assert (deal[5] == "direct") == (deal[4] is None)
        assert (deal[12] == "open") == (deal[13] is None)
    deal_ids = {d[1] for d in first["deals"]}
    assert len(first["activities"]) == TINY.deals * TINY.activities_per_deal
    assert all(a[5] in deal_ids for a in first["activities"])


def _positional(sql: str) -> tuple[str, list[str]]:
    names: list[str] = []

    def replace(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}::uuid"

    return re.sub(r"(?<!:):(\w+)::uuid", replace, sql), names


@pytest.mark.asyncio(loop_scope="session")
async def test_scenarios_run_on_a_loaded_tiny_data_set(database, app, client):
    admin = make_url(async_url(database.admin_url)).set(database=database.name)
    db = dataset.Database(
        admin_url=admin.render_as_string(hide_password=False).replace("postgresql+asyncpg://", "postgresql://"),
        app_url=database.app_url,
        owner_url=database.owner_url,
        roles=database.roles,
        name=database.name,
    )
    await dataset.load(db, TINY, log=lambda *_: None)
    assert await dataset.read_marker(db) == TINY.as_marker()
    await dataset.install_peer_schema(db)
    rotation = await dataset.rotation(db)
    assert len(rotation["vendor"]) == TINY.tenants and len(rotation["deal"]) == TINY.tenants * dataset.SAMPLES

    for name in scenarios.ALL_NAMES:
        for request in scenarios.requests_for(name, "channelgraph", rotation, JWT_SECRET)[:3]:
            answer = await client.post(
                "/graphql",
                content=request["body"],
                headers={"authorization": request["authorization"], "content-type": "application/json"},
            )
            body = answer.json()
            assert answer.status_code == 200 and "errors" not in body and body["data"], (name, body)
    first = scenarios.requests_for("vendor_list", "channelgraph", rotation, JWT_SECRET)[0]
    answer = await client.post(
        "/graphql",
        content=first["body"],
        headers={"authorization": first["authorization"], "content-type": "application/json"},
    )
    assert len(answer.json()["data"]["customers"]["edges"]) == TINY.customers

    conn = await asyncpg.connect(db.app_dsn)
    try:
        for scenario in scenarios.SINGLE:
            entry = rotation[scenario.rotation][0]
            values = {"deal_id": entry.deal_id, "customer_id": entry.customer_id, "stage_id": entry.stage_id,
                      "user_id": entry.persona.user_id}  # fmt: skip
            results = []
            for text in (scenario.sql, scenarios.bound_sql(scenario)):
                sql, names = _positional(text)
                async with conn.transaction():
                    await conn.execute(
                        "select app.set_identity($1, $2, $3, $4, null, $5, null)",
                        entry.persona.tenant_id, entry.persona.audience, entry.persona.user_id,
                        entry.persona.partner_id, ",".join(entry.persona.roles),
                    )  # fmt: skip
                    results.append(await conn.fetchval(sql, *(values[n] for n in names)))
            assert results[0] and results[0] != "[]", scenario.name
            if scenario.read_only:
                # The bound runs exactly what ChannelGraph runs: the same JSON as the GraphQL answer's root field.
                request = scenarios.requests_for(scenario.name, "channelgraph", rotation, JWT_SECRET)[0]
                answer = await client.post(
                    "/graphql",
                    content=request["body"],
                    headers={"authorization": request["authorization"], "content-type": "application/json"},
                )
                (root,) = answer.json()["data"].values()
                assert json.loads(results[1]) == root, scenario.name
    finally:
        await conn.close()
    assert await dataset.cleanup_mutations(db) >= 1

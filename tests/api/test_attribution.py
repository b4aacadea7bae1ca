"""Channel attribution: every deal records its source and the partners that touched it; vendors read won
revenue by source and by partner per period, in the tenant's time zone and fiscal year, per currency."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from authz.principal import Principal
from schema.relay import to_global_id
from tenants.database import tenant_session
from tests.client import codes, gql

pytestmark = pytest.mark.asyncio(loop_scope="session")

BY_SOURCE = """query($p: Period!) { revenueBySource(period: $p, from: "2026-01-01", to: "2026-12-31") {
    periodStart source dealCount amount { amount currency } } }"""
BY_PARTNER = """query($p: Period!) { revenueByPartner(period: $p, from: "2026-01-01", to: "2026-12-31") {
    periodStart role dealCount partner { name } amount { amount currency } } }"""
TOUCHES = "query($d: ID!) { dealPartners(dealId: $d) { role partner { name } } }"
ASSIGN = """mutation($id: ID!, $p: ID!) { assignDealPartner(input: {id: $id, version: 1, partnerId: $p,
    source: PARTNER_INFLUENCED}) { deal { source } } }"""


@pytest.fixture
async def closed_deals(client, sessions, world):
    """Tokyo time, fiscal year from April; four deals won at chosen instants, one in EUR."""
    body = await gql(
        client,
        ASSIGN,
        {"id": to_global_id("Deal", world.deals["direct"]), "p": to_global_id("Partner", world.partners["other"])},
        token=world.token("channel_manager"),
    )
    assert body["data"]["assignDealPartner"]["deal"]["source"] == "PARTNER_INFLUENCED", body
    async with tenant_session(sessions, Principal.platform(None)) as s:
        await s.execute(
            text("update platform.tenants set time_zone = 'Asia/Tokyo', fiscal_year_start_month = 4 where id = :t"),
            {"t": world.tenant_id},
        )
    won = {
        "direct": "2026-03-31T23:30:00Z",  # 08:30 on 1 April in Tokyo: fiscal Q1
        "direct2": "2026-02-10T12:00:00Z",  # fiscal Q4 of the year before, which starts 1 January
        "dist": "2026-04-15T00:00:00Z",
        "sub": "2026-06-30T16:00:00Z",  # 01:00 on 1 July in Tokyo: fiscal Q2
        "other": "2026-05-01T00:00:00Z",
    }
    async with tenant_session(sessions, Principal.system(world.tenant_id)) as s:
        for key, at in won.items():
            await s.execute(
                text("update app.deals set status = 'won', closed_at = :at, stage_id = :stage where id = :id"),
                {"at": dt.datetime.fromisoformat(at), "stage": world.stages["Closed Won"], "id": world.deals[key]},
            )
        await s.execute(
            text("update app.deals set currency = 'EUR', amount = 500 where id = :id"), {"id": world.deals["other"]}
        )


def money(row):
    return (row["periodStart"], row["amount"]["currency"], row["amount"]["amount"], row["dealCount"])


async def test_every_deal_records_the_partners_that_touched_it(client, world, closed_deals):
    body = await gql(client, TOUCHES, {"d": to_global_id("Deal", world.deals["direct"])}, token=world.token("owner"))
    assert body["data"]["dealPartners"] == [{"role": "INFLUENCED", "partner": {"name": "Fabrikam"}}]
    body = await gql(client, TOUCHES, {"d": to_global_id("Deal", world.deals["dist"])}, token=world.token("owner"))
    assert body["data"]["dealPartners"] == [{"role": "SOURCED", "partner": {"name": "Northwind"}}]
    body = await gql(client, TOUCHES, {"d": to_global_id("Deal", world.deals["direct2"])}, token=world.token("owner"))
    assert body["data"]["dealPartners"] == []


async def test_revenue_by_source_per_fiscal_quarter(client, world, closed_deals):
    body = await gql(client, BY_SOURCE, {"p": "QUARTER"}, token=world.token("channel_manager"))
    assert "errors" not in body, body
    rows = sorted((r["source"], *money(r)) for r in body["data"]["revenueBySource"])
    assert rows == [
        ("DIRECT", "2026-01-01", "USD", "1000.00", 1),
        ("PARTNER_INFLUENCED", "2026-04-01", "USD", "1000.00", 1),
        ("PARTNER_SOURCED", "2026-04-01", "EUR", "500.00", 1),
        ("PARTNER_SOURCED", "2026-04-01", "USD", "1000.00", 1),
        ("PARTNER_SOURCED", "2026-07-01", "USD", "1000.00", 1),
    ]
    months = await gql(client, BY_SOURCE, {"p": "MONTH"}, token=world.token("sales_manager"))
    influenced = [r for r in months["data"]["revenueBySource"] if r["source"] == "PARTNER_INFLUENCED"]
    assert [r["periodStart"] for r in influenced] == ["2026-04-01"]  # Tokyo's day, not UTC's
    years = await gql(client, BY_SOURCE, {"p": "YEAR"}, token=world.token("owner"))
    assert {r["periodStart"] for r in years["data"]["revenueBySource"]} == {"2025-04-01", "2026-04-01"}


async def test_revenue_by_partner(client, world, closed_deals):
    body = await gql(client, BY_PARTNER, {"p": "QUARTER"}, token=world.token("admin"))
    rows = sorted((r["partner"]["name"], r["role"], *money(r)) for r in body["data"]["revenueByPartner"])
    assert rows == [
        ("Contoso", "SOURCED", "2026-07-01", "USD", "1000.00", 1),
        ("Fabrikam", "INFLUENCED", "2026-04-01", "USD", "1000.00", 1),
        ("Fabrikam", "SOURCED", "2026-04-01", "EUR", "500.00", 1),
        ("Northwind", "SOURCED", "2026-04-01", "USD", "1000.00", 1),
    ]


async def test_attribution_is_for_vendors(client, world):
    for persona in ("dist_admin", "other_rep", "customer", "rep1", "support"):
        assert codes(await gql(client, BY_SOURCE, {"p": "MONTH"}, token=world.token(persona))) == ["FORBIDDEN"]
    bad = '{ revenueBySource(period: MONTH, from: "2026-02-01", to: "2026-01-01") { dealCount } }'
    assert codes(await gql(client, bad, token=world.token("owner"))) == ["BAD_USER_INPUT"]

"""Mutations record their domain events in the same transaction; a failed one records none."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from authz.principal import Audience, Principal
from schema.relay import to_global_id
from tenants.database import tenant_session
from tests.client import codes, gql

pytestmark = pytest.mark.asyncio(loop_scope="session")

CLOSE = (
    "mutation($id: ID!, $v: Int!) { closeDeal(input: {id: $id, version: $v, won: true}) { deal { status version } } }"
)


async def events(sessions, tenant_id, deal_id) -> list[tuple[str, dict]]:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        rows = await s.execute(
            text("select event_type, payload from app.outbox where entity_id = :d order by created_at"), {"d": deal_id}
        )
        return [tuple(r) for r in rows]


async def test_closing_a_deal_records_one_event(client, sessions, world):
    deal = world.deals["direct"]
    assert [e for e, _ in await events(sessions, world.tenant_id, deal)] == ["deal.created"]
    won = await gql(client, CLOSE, {"id": to_global_id("Deal", deal), "v": 1}, token=world.token("rep1"))
    assert won["data"]["closeDeal"]["deal"]["status"] == "WON"
    recorded = await events(sessions, world.tenant_id, deal)
    assert [e for e, _ in recorded] == ["deal.created", "deal.won"]
    assert recorded[1][1]["amount"] == "1000.00" and recorded[1][1]["currency"] == "USD"
    # The same call again is refused (stale version) and records nothing.
    again = await gql(client, CLOSE, {"id": to_global_id("Deal", deal), "v": 1}, token=world.token("rep1"))
    assert codes(again) == ["CONFLICT"]
    assert len(await events(sessions, world.tenant_id, deal)) == 2


async def test_partners_record_events_they_cannot_read(client, sessions, world):
    deal = world.deals["sub"]
    stage = to_global_id("PipelineStage", world.stages["Proposal"])
    moved = await gql(
        client,
        "mutation($id: ID!, $s: ID!) { moveDealStage(input: {id: $id, version: 1, stageId: $s}) { deal { version } } }",
        {"id": to_global_id("Deal", deal), "s": stage},
        token=world.token("sub_rep"),
    )
    assert "errors" not in moved, moved
    assert [e for e, _ in await events(sessions, world.tenant_id, deal)] == ["deal.created", "deal.stage_changed"]
    # Only `system` steps and the relay read events; the partner who caused one sees none.
    sub_rep = Principal(
        Audience.PARTNER,
        user_id=world.people["sub_rep"].user_id,
        tenant_id=world.tenant_id,
        roles=frozenset({"partner_rep"}),
        partner_id=world.partners["sub"],
    )
    async with tenant_session(sessions, sub_rep, read_only=True) as s:
        assert (await s.execute(text("select count(*) from app.outbox"))).scalar() == 0

"""Webhook endpoints and deliveries through the API (the sending itself is in tests/workers/test_webhooks.py).

Owners and admins register endpoints (the signing secret is shown once and never listed), only at public
http(s) addresses unless the deployment allows private ones, for known event types, with optimistic
versions; they list deliveries by status and replay dead letters, rotate an endpoint's secret (the new one
shown once and signing every later attempt) and delete endpoints (no more deliveries, history kept).
Everyone else is refused and nothing changes; another tenant's ids are not found.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select, text

from authz.principal import Principal
from schema.relay import from_global_id, to_global_id
from tenants.database import tenant_session
from tenants.outbox.models import OutboxEvent
from tenants.webhooks.delivery import claim, plan, record_attempt
from tenants.webhooks.signing import sign, verify
from tests.client import codes, gql
from tests.conftest import make_settings
from tests.world import build_world, snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

PUBLIC = "https://93.184.215.14/hooks/channelgraph"  # a global address: no DNS lookup needed
ENDPOINT = "id url eventTypes active description version"
CREATE = f"""mutation($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{ endpoint {{ {ENDPOINT} }} secret }}
}}"""
UPDATE = f"""mutation($input: UpdateWebhookEndpointInput!) {{
  updateWebhookEndpoint(input: $input) {{ endpoint {{ {ENDPOINT} }} }}
}}"""
ENDPOINTS = f"{{ webhookEndpoints {{ {ENDPOINT} }} }}"
DELIVERIES = """query($status: DeliveryStatus, $endpoint: ID) {
  webhookDeliveries(first: 50, status: $status, endpointId: $endpoint) {
    totalCount edges { node { id endpointId eventType status attempts lastStatusCode log { attempt statusCode } } }
  }
}"""
REPLAY = "mutation($id: ID!) { replayWebhookDelivery(id: $id) { delivery { id status attempts } } }"


async def state(sessions, tenant_id) -> tuple:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        hooks = [tuple(r) for r in await s.execute(text("select * from app.webhook_endpoints order by id"))]
        sent = [tuple(r) for r in await s.execute(text("select * from app.webhook_deliveries order by id"))]
        events = (await s.execute(text("select count(*) from app.outbox"))).scalar()
    return await snapshot(sessions, tenant_id), hooks, sent, events


async def create(client, token, url=PUBLIC, event_types=("deal.won",), **extra) -> dict:
    return await gql(client, CREATE, {"input": {"url": url, "eventTypes": list(event_types)} | extra}, token=token)


async def test_the_secret_is_returned_once_and_never_listed(client, world):
    body = await create(
        client, world.token("admin"), event_types=["deal.won", "deal.created", "deal.won"], description="CRM"
    )
    made = body["data"]["createWebhookEndpoint"]
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 30
    endpoint = made["endpoint"]
    assert {k: v for k, v in endpoint.items() if k != "id"} == {
        "url": PUBLIC,
        "eventTypes": ["deal.created", "deal.won"],
        "active": True,
        "description": "CRM",
        "version": 1,
    }
    listed = await gql(client, ENDPOINTS, token=world.token("owner"))
    assert listed["data"]["webhookEndpoints"] == [endpoint]
    assert made["secret"] not in str(listed)
    assert codes(await gql(client, "{ webhookEndpoints { secret } }", token=world.token("owner"))) == ["BAD_USER_INPUT"]
    everything = await create(client, world.token("owner"), event_types=["*"])
    assert everything["data"]["createWebhookEndpoint"]["endpoint"]["eventTypes"] == ["*"]
    assert everything["data"]["createWebhookEndpoint"]["secret"] != made["secret"]


async def test_only_owners_and_admins_manage_webhooks(client, sessions, world):
    endpoint = (await create(client, world.token("owner")))["data"]["createWebhookEndpoint"]["endpoint"]
    before = await state(sessions, world.tenant_id)
    for persona in sorted(set(world.people) - {"owner", "admin"}):
        token = world.token(persona)
        assert codes(await create(client, token)) == ["FORBIDDEN"], persona
        change = {"id": endpoint["id"], "version": 1, "active": False}
        assert codes(await gql(client, UPDATE, {"input": change}, token=token)) == ["FORBIDDEN"], persona
        assert codes(await gql(client, ENDPOINTS, token=token)) == ["FORBIDDEN"], persona
        assert codes(await gql(client, DELIVERIES, token=token)) == ["FORBIDDEN"], persona
    assert codes(await create(client, None)) == ["UNAUTHENTICATED"]
    assert await state(sessions, world.tenant_id) == before


REFUSED_URLS = (
    "http://127.0.0.1:9000/hook",
    "http://localhost/hook",
    "http://10.0.0.5/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "ftp://93.184.215.14/hook",
    "https://user:pass@93.184.215.14/hook",
    "not a url",
)


async def test_private_loopback_and_odd_urls_are_refused(client, sessions, world):
    owner = world.token("owner")
    endpoint = (await create(client, owner))["data"]["createWebhookEndpoint"]["endpoint"]
    before = await state(sessions, world.tenant_id)
    for url in REFUSED_URLS:
        body = await create(client, owner, url=url)
        assert codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["field"] == "url", url
        moved = await gql(client, UPDATE, {"input": {"id": endpoint["id"], "version": 1, "url": url}}, token=owner)
        assert codes(moved) == ["BAD_USER_INPUT"], url
    assert await state(sessions, world.tenant_id) == before


async def test_a_deployment_may_allow_private_urls(database, world):
    from gateway.app import create_app

    app = create_app(make_settings(webhooks_allow_private=True), database.app_url)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            body = await create(http, world.token("owner"), url="http://127.0.0.1:9000/hook")
            assert body["data"]["createWebhookEndpoint"]["endpoint"]["url"] == "http://127.0.0.1:9000/hook"
            assert codes(await create(http, world.token("owner"), url="file:///etc/passwd")) == ["BAD_USER_INPUT"]
    finally:
        await app.state.engine.dispose()


async def test_versions_and_event_types_are_checked(app, client, sessions, new_tenant, world):
    owner = world.token("owner")
    endpoint = (await create(client, owner))["data"]["createWebhookEndpoint"]["endpoint"]
    changed = await gql(
        client,
        UPDATE,
        {"input": {"id": endpoint["id"], "version": 1, "eventTypes": ["deal.lost"], "active": False}},
        token=owner,
    )
    assert changed["data"]["updateWebhookEndpoint"]["endpoint"] | {"id": None} == endpoint | {
        "id": None,
        "eventTypes": ["deal.lost"],
        "active": False,
        "version": 2,
    }
    before = await state(sessions, world.tenant_id)
    stale = await gql(client, UPDATE, {"input": {"id": endpoint["id"], "version": 1, "active": True}}, token=owner)
    assert codes(stale) == ["CONFLICT"]
    for types in (["deal.exploded"], ["deal.won", "nonsense"], ["import.requested"], []):
        assert codes(await create(client, owner, event_types=types)) == ["BAD_USER_INPUT"], types
        update = {"id": endpoint["id"], "version": 2, "eventTypes": types}
        assert codes(await gql(client, UPDATE, {"input": update}, token=owner)) == ["BAD_USER_INPUT"], types
    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    theirs = await gql(
        client, UPDATE, {"input": {"id": endpoint["id"], "version": 2, "active": True}}, token=foreign.token("owner")
    )
    assert codes(theirs) == ["NOT_FOUND"]
    assert await state(sessions, world.tenant_id) == before


@pytest.mark.parametrize("change", [{"url": ""}, {"url": None}, {"eventTypes": None}, {"active": None}])
async def test_an_update_cannot_blank_required_fields(client, sessions, world, change):
    endpoint = (await create(client, world.token("owner")))["data"]["createWebhookEndpoint"]["endpoint"]
    before = await state(sessions, world.tenant_id)
    body = await gql(
        client, UPDATE, {"input": {"id": endpoint["id"], "version": 1} | change}, token=world.token("owner")
    )
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert await state(sessions, world.tenant_id) == before


async def deliveries_for(sessions, tenant_id, outcomes: list[int | None]) -> list[str]:
    """One delivery per world `deal.created` event, settled by a fake attempt per outcome (None: pending)."""
    system = Principal.system(tenant_id)
    async with tenant_session(sessions, system, read_only=True) as s:
        events = (await s.execute(select(OutboxEvent).where(OutboxEvent.event_type == "deal.created"))).scalars().all()
    made = []
    for event, outcome in zip(events, outcomes, strict=False):
        async with tenant_session(sessions, system) as s:
            (delivery_id,) = await plan(s, event)
            if outcome is not None:
                claimed = await claim(s, delivery_id)
                await record_attempt(
                    s, claimed, uuid.uuid4(), status_code=outcome, latency_ms=5, error=None, max_attempts=1
                )
        made.append(to_global_id("WebhookDelivery", delivery_id))
    return made


async def listed(client, token, **arguments) -> list[dict]:
    body = await gql(client, DELIVERIES, arguments, token=token)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["webhookDeliveries"]["edges"]]


async def test_dead_letters_are_listed_and_replayed(app, client, sessions, new_tenant, world):
    owner = world.token("owner")
    hook = (await create(client, owner, event_types=["deal.created"]))["data"]["createWebhookEndpoint"]["endpoint"]
    dead1, delivered, dead2, pending = await deliveries_for(sessions, world.tenant_id, [500, 200, 503, None])

    dead = await listed(client, owner, status="DEAD")
    assert [d["id"] for d in dead] == [dead2, dead1]  # newest first
    assert [(d["status"], d["attempts"], d["lastStatusCode"], d["log"]) for d in dead] == [
        ("dead", 1, 503, [{"attempt": 1, "statusCode": 503}]),
        ("dead", 1, 500, [{"attempt": 1, "statusCode": 500}]),
    ]
    assert {d["endpointId"] for d in dead} == {hook["id"]} and {d["eventType"] for d in dead} == {"deal.created"}
    assert [d["id"] for d in await listed(client, owner, status="DELIVERED")] == [delivered]
    assert [d["id"] for d in await listed(client, owner, status="PENDING")] == [pending]
    assert [d["id"] for d in await listed(client, owner)] == [pending, dead2, delivered, dead1]
    quiet = (await create(client, owner))["data"]["createWebhookEndpoint"]["endpoint"]  # deal.won: no deliveries
    assert len(await listed(client, owner, endpoint=hook["id"])) == 4
    assert await listed(client, owner, endpoint=quiet["id"]) == []

    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    before = await state(sessions, world.tenant_id)
    assert codes(await gql(client, REPLAY, {"id": dead1}, token=foreign.token("owner"))) == ["NOT_FOUND"]
    assert await listed(client, foreign.token("owner")) == []
    assert codes(await gql(client, REPLAY, {"id": dead1}, token=world.token("channel_manager"))) == ["FORBIDDEN"]
    assert codes(await gql(client, REPLAY, {"id": pending}, token=owner)) == ["CONFLICT"]
    assert await state(sessions, world.tenant_id) == before

    replayed = await gql(client, REPLAY, {"id": dead1}, token=world.token("admin"))
    assert replayed["data"]["replayWebhookDelivery"]["delivery"] == {"id": dead1, "status": "pending", "attempts": 0}
    assert [d["id"] for d in await listed(client, owner, status="DEAD")] == [dead2]
    assert {d["id"] for d in await listed(client, owner, status="PENDING")} == {pending, dead1}
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        asked = (
            await s.execute(text("select entity_id from app.outbox where event_type = 'webhook.replay_requested'"))
        ).all()
    assert [r[0] for r in asked] == [from_global_id(dead1)[1]]


ROTATE = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { endpoint { id version } secret } }"
DELETE = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { endpointId } }"


async def world_event(sessions, tenant_id) -> OutboxEvent:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        found = await s.execute(select(OutboxEvent).where(OutboxEvent.event_type == "deal.created").limit(1))
        return found.scalar_one()


async def audit_of(sessions, tenant_id, action: str) -> list[tuple]:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        rows = await s.execute(
            text("select before, after from app.audit_log where action = :a order by at"), {"a": action}
        )
        return [tuple(r) for r in rows]


async def test_a_rotated_secret_is_shown_once_and_signs_every_later_attempt(client, sessions, world):
    owner = world.token("owner")
    made = (await create(client, owner, event_types=["deal.created"]))["data"]["createWebhookEndpoint"]
    old_secret, endpoint = made["secret"], made["endpoint"]
    async with tenant_session(sessions, Principal.system(world.tenant_id)) as s:
        (delivery_id,) = await plan(s, await world_event(sessions, world.tenant_id))  # in flight: not yet sent

    rotated = (await gql(client, ROTATE, {"id": endpoint["id"]}, token=world.token("admin")))["data"]
    new_secret = rotated["rotateWebhookSecret"]["secret"]
    assert new_secret.startswith("whsec_") and new_secret != old_secret
    assert rotated["rotateWebhookSecret"]["endpoint"] == {"id": endpoint["id"], "version": 2}
    listed = await gql(client, ENDPOINTS, token=owner)
    assert new_secret not in str(listed) and listed["data"]["webhookEndpoints"][0]["version"] == 2

    # The delivery waiting since before the rotation is signed with the secret current when it is sent.
    async with tenant_session(sessions, Principal.system(world.tenant_id)) as s:
        claimed = await claim(s, delivery_id)
    assert claimed is not None and claimed.secret == new_secret
    header = sign(claimed.secret, 1_900_000_000, claimed.body)
    assert verify(new_secret, header, claimed.body, now=1_900_000_000)
    assert not verify(old_secret, header, claimed.body, now=1_900_000_000)

    # The audit entry says the secret changed, never what it was or is.
    ((before, after),) = await audit_of(sessions, world.tenant_id, "webhook.rotate_secret")
    assert before["secret"] == after["secret"] == "[secret]" and (before["version"], after["version"]) == (1, 2)
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        everything = str((await s.execute(text("select before, after from app.audit_log"))).all())
    assert old_secret not in everything and new_secret not in everything


async def test_a_deleted_endpoint_gets_nothing_more_and_keeps_its_history(app, client, sessions, new_tenant, world):
    owner = world.token("owner")
    hook = (await create(client, owner, event_types=["deal.created"]))["data"]["createWebhookEndpoint"]["endpoint"]
    sent, pending = await deliveries_for(sessions, world.tenant_id, [200, None])
    kept = (await create(client, owner, event_types=["deal.created"]))["data"]["createWebhookEndpoint"]["endpoint"]
    mine = {d["id"] for d in await listed(client, owner, endpoint=hook["id"])}
    assert len(mine) == 2

    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    before = await state(sessions, world.tenant_id)
    for token, code in ((foreign.token("owner"), "NOT_FOUND"), (world.token("channel_manager"), "FORBIDDEN")):
        for doc in (DELETE, ROTATE):
            assert codes(await gql(client, doc, {"id": hook["id"]}, token=token)) == [code]
    assert await state(sessions, world.tenant_id) == before

    deleted = await gql(client, DELETE, {"id": hook["id"]}, token=world.token("admin"))
    assert deleted["data"]["deleteWebhookEndpoint"] == {"endpointId": hook["id"]}
    assert [e["id"] for e in (await gql(client, ENDPOINTS, token=owner))["data"]["webhookEndpoints"]] == [kept["id"]]
    # Gone for every change, including a second delete; its past deliveries are still there to read.
    for doc, variables in (
        (DELETE, {"id": hook["id"]}),
        (ROTATE, {"id": hook["id"]}),
        (UPDATE, {"input": {"id": hook["id"], "version": 2, "active": True}}),
    ):
        assert codes(await gql(client, doc, variables, token=owner)) == ["NOT_FOUND"], doc
    assert {d["id"] for d in await listed(client, owner, endpoint=hook["id"])} == mine

    # The delivery still pending dies at its next attempt; a new event reaches only the endpoint kept.
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        assert await claim(s, from_global_id(pending)[1]) is None
    dead = [d for d in await listed(client, owner, status="DEAD") if d["id"] == pending]
    assert len(dead) == 1
    async with tenant_session(sessions, system, read_only=True) as s:
        events = (await s.execute(select(OutboxEvent).where(OutboxEvent.event_type == "deal.created"))).scalars()
        third = list(events)[2]
    async with tenant_session(sessions, system) as s:
        await plan(s, third)
    async with tenant_session(sessions, system, read_only=True) as s:
        reached = await s.execute(
            text("select endpoint_id from app.webhook_deliveries where event_id = :e"), {"e": third.id}
        )
        assert [r[0] for r in reached] == [from_global_id(kept["id"])[1]]
        reason = await s.execute(
            text("select last_error from app.webhook_deliveries where id = :i"), {"i": from_global_id(pending)[1]}
        )
        assert reason.scalar() == "endpoint deleted"
    assert sent in mine

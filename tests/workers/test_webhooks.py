"""Events reach tenants' webhook endpoints exactly once, signed, with retries, dead letters and replay."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlalchemy import text

from authz.principal import Principal
from tenants.database import tenant_session
from tenants.deals.service import create_deal
from tenants.outbox.events import emit
from tenants.webhooks.signing import verify
from tests.workers.receiver import Receiver
from tests.workers.scenario import deliveries, hooked_tenant, unsent, wait_until, win_a_deal

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def receiver():
    made = []

    def start(statuses=None) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield start
    for r in made:
        r.stop()


async def test_rolled_back_mutation_enqueues_nothing(sessions, new_tenant, receiver, workers_for):
    hook = receiver()
    hooked = await hooked_tenant(sessions, new_tenant, hook.url)
    system = Principal.system(hooked.tenant_id)
    with pytest.raises(RuntimeError):
        async with tenant_session(sessions, system) as s:
            await create_deal(s, system, {"title": "Never", "customer_id": hooked.customer_id})
            emit(s, system, "deal.won", "Deal", None, {})
            raise RuntimeError("the mutation fails after recording its events")
    assert await unsent(sessions, hooked.tenant_id) == 0
    running = workers_for("postgres")
    running.relay().drain()  # other tests' tenants may have events; this tenant has none
    await asyncio.sleep(0.5)
    assert hook.requests == []


@pytest.mark.parametrize("kind", ["postgres", "redis", "amqp"])
async def test_committed_event_is_delivered_once_even_if_the_relay_crashes(
    sessions, new_tenant, receiver, workers_for, kind
):
    hook = receiver()
    hooked = await hooked_tenant(sessions, new_tenant, hook.url)
    running = workers_for(kind)
    deal_id = await win_a_deal(sessions, hooked)
    assert await unsent(sessions, hooked.tenant_id) == 2  # deal.created, deal.won

    def crash(rows):
        raise ConnectionError("the relay dies after sending, before marking")

    with pytest.raises(ConnectionError):
        running.relay(before_mark=crash).run_once()
    assert await unsent(sessions, hooked.tenant_id) == 2  # nothing marked: everything will be sent again
    assert running.relay().drain() >= 2
    assert await unsent(sessions, hooked.tenant_id) == 0

    requests = hook.wait_for(1)
    await asyncio.sleep(1.0)  # room for a duplicate to show up, if the consumer did not dedupe
    assert len(hook.requests) == 1, [json.loads(body)["type"] for _, body in hook.requests]
    headers, body = requests[0]
    payload = json.loads(body)
    assert payload["type"] == "deal.won" and payload["entity"]["id"] == str(deal_id)
    assert payload["tenant_id"] == str(hooked.tenant_id)
    assert verify(hooked.secret, headers["channelgraph-signature"], body, now=int(time.time()))
    assert not verify("whsec_wrong", headers["channelgraph-signature"], body, now=int(time.time()))
    assert headers["channelgraph-event-id"] == payload["id"]
    found = await wait_until(lambda: _statuses(sessions, hooked.tenant_id, {"delivered"}))
    assert found


async def _statuses(sessions, tenant_id, wanted):
    rows = await deliveries(sessions, tenant_id)
    return rows if rows and {r[1] for r in rows} <= wanted else None


async def test_failing_receiver_is_retried_then_delivered_once(sessions, new_tenant, receiver, workers_for):
    hook = receiver([500, 503])
    hooked = await hooked_tenant(sessions, new_tenant, hook.url)
    running = workers_for("postgres", webhook_base_delay_seconds=0.2)
    await win_a_deal(sessions, hooked)
    running.relay().drain()
    hook.wait_for(3, timeout=30)
    rows = await wait_until(lambda: _statuses(sessions, hooked.tenant_id, {"delivered"}))
    assert rows and rows[0][2] == 3, rows
    assert len(hook.requests) == 3
    ids = {h["channelgraph-delivery-id"] for h, _ in hook.requests}
    assert len(ids) == 3 and len({h["channelgraph-event-id"] for h, _ in hook.requests}) == 1
    async with tenant_session(sessions, Principal.system(hooked.tenant_id), read_only=True) as s:
        codes = (await s.execute(text("select status_code from app.webhook_attempts order by attempt"))).scalars().all()
    assert codes == [500, 503, 200]


async def test_dead_letter_and_replay(sessions, new_tenant, receiver, workers_for, app, client):
    hook = receiver([500, 500, 500])
    hooked = await hooked_tenant(sessions, new_tenant, hook.url)
    running = workers_for("postgres", webhook_base_delay_seconds=0.1, webhook_max_attempts=3)
    await win_a_deal(sessions, hooked)
    running.relay().drain()
    rows = await wait_until(lambda: _statuses(sessions, hooked.tenant_id, {"dead"}))
    assert rows and rows[0][2] == 3 and len(hook.requests) == 3

    # An admin lists the dead letter and replays it through the API; the receiver now answers 200.
    from tests.client import gql

    async with tenant_session(sessions, Principal.system(hooked.tenant_id)) as s:
        owner = (await s.execute(text("update app.users set status = 'active' returning id"))).scalar()
    token = app.state.tokens.mint(hooked.tenant_id, owner)
    dead = await gql(
        client,
        "{ webhookDeliveries(first: 5, status: DEAD) { edges { node { id attempts log { statusCode } } } } }",
        token=token,
    )
    node = dead["data"]["webhookDeliveries"]["edges"][0]["node"]
    assert [a["statusCode"] for a in node["log"]] == [500, 500, 500]
    replay = await gql(
        client,
        "mutation($id: ID!) { replayWebhookDelivery(id: $id) { delivery { status } } }",
        {"id": node["id"]},
        token=token,
    )
    assert replay["data"]["replayWebhookDelivery"]["delivery"]["status"] == "pending"
    running.relay().drain()
    rows = await wait_until(lambda: _statuses(sessions, hooked.tenant_id, {"delivered"}))
    assert rows, await deliveries(sessions, hooked.tenant_id)
    assert len(hook.requests) == 4


async def test_tenants_never_receive_each_others_events(sessions, new_tenant, receiver, workers_for):
    hook_a, hook_b = receiver(), receiver()
    a = await hooked_tenant(sessions, new_tenant, hook_a.url, event_types=("*",))
    b = await hooked_tenant(sessions, new_tenant, hook_b.url, event_types=("*",))
    running = workers_for("postgres")
    await win_a_deal(sessions, a, "A's deal")
    await win_a_deal(sessions, b, "B's deal")
    running.relay().drain()
    hook_a.wait_for(2)
    hook_b.wait_for(2)
    await asyncio.sleep(0.5)
    assert {json.loads(body)["tenant_id"] for _, body in hook_a.requests} == {str(a.tenant_id)}
    assert {json.loads(body)["tenant_id"] for _, body in hook_b.requests} == {str(b.tenant_id)}
    assert len(hook_a.requests) == len(hook_b.requests) == 2

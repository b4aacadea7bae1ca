"""The outbox relay on the cluster: it claims tenant by tenant (a `FOR UPDATE` over every shard is refused by
Citus) and drains every tenant's events, whichever shard they live on."""

from __future__ import annotations

import uuid

import pytest
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import text

from authz.principal import Principal
from gateway.database import url_for
from tenants.database import tenant_session
from tenants.outbox.events import emit
from workers.events import handle_event
from workers.relay import Relay

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.cluster]


async def test_relay_drains_every_tenants_events(database, sessions, new_tenant):
    tenants = [(await new_tenant("relay")).id for _ in range(4)]
    for tenant_id in tenants:
        async with tenant_session(sessions, Principal.system(tenant_id)) as session:
            for _ in range(3):
                emit(session, Principal.system(tenant_id), "deal.created", "Deal", uuid.uuid4())
    broker = StubBroker()
    broker.declare_queue(handle_event.queue_name)
    relay = Relay(url_for(database.admin_url, database.roles.relay, database.name), broker, batch=5)
    relay.drain()
    for tenant_id in tenants:
        async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as session:
            waiting = await session.execute(text("select count(*) from app.outbox where sent_at is null"))
            assert waiting.scalar() == 0
    relayed = {Message.decode(data).args[0] for data in list(broker.queues[handle_event.queue_name].queue)}
    assert {str(t) for t in tenants} <= relayed

"""Consuming domain events relayed from the outbox: each event is handled once per consumer."""

from __future__ import annotations

import logging
import uuid

from authz.principal import Principal
from tenants.database import tenant_session
from tenants.outbox.events import first_time
from tenants.outbox.models import OutboxEvent
from tenants.webhooks import delivery
from workers import context
from workers.actors import actor
from workers.transfers import export_entities, import_file
from workers.webhooks import send_webhook

log = logging.getLogger("channelgraph.workers.events")


def _import(tenant_id: str, event: OutboxEvent) -> None:
    import_file.send(tenant_id, str(event.entity_id))


def _export(tenant_id: str, event: OutboxEvent) -> None:
    requester = dict(event.payload) | {"user_id": str(event.actor_id) if event.actor_id else None}
    export_entities.send(tenant_id, str(event.entity_id), requester)


# Events that are work orders: the job is sent once the event is marked handled.
WORK_ORDERS = {"import.requested": _import, "export.requested": _export}


@actor()
async def handle_event(tenant_id: str, event_id: str) -> None:
    """Fan an event out to the tenant's webhook endpoints (and, for replays, resend one delivery)."""
    tenant, event_key = uuid.UUID(tenant_id), uuid.UUID(event_id)
    async with tenant_session(context.sessions(), Principal.system(tenant)) as session:
        event = await session.get(OutboxEvent, (tenant, event_key))
        if event is None:
            log.warning("event %s of tenant %s not found; nothing to do", event_id, tenant_id)
            return
        if event.event_type in WORK_ORDERS:
            if await first_time(session, event.id, "work"):
                WORK_ORDERS[event.event_type](tenant_id, event)
            return
        if event.event_type == "webhook.replay_requested":
            pending = [event.entity_id] if await first_time(session, event.id, "webhooks") else []
        elif await first_time(session, event.id, "webhooks"):
            pending = await delivery.plan(session, event)
        else:
            pending = []
    for delivery_id in pending:
        send_webhook.send(tenant_id, str(delivery_id))

"""Recording domain events. Call `emit` inside the unit of work that makes the change; the relay
delivers each event at least once after commit, and consumers dedupe by its id."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Insert, Uuid, bindparam, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants.outbox.models import OutboxEvent
from tenants.sql_forms import constant

# The vocabulary of events, `<entity>.<what happened>`.
EVENT_TYPES = frozenset(
    {
        "deal.created",
        "deal.stage_changed",
        "deal.won",
        "deal.lost",
        "deal.partner_assigned",
        "partner.status_changed",
        "partner.tier_changed",
        "registration.submitted",
        "registration.approved",
        "registration.rejected",
        "registration.expired",
        "registration.extended",
        "registration.withdrawn",
        "lead.assigned",
        "lead.accepted",
        "lead.declined",
        "lead.returned",
        "lead.converted",
        "partner_application.submitted",
        "partner_application.approved",
        "partner_application.rejected",
        "import.finished",
        "export.finished",
        "webhook.replay_requested",
        "import.requested",
        "export.requested",
    }
)


# Work orders for the workers, not facts for the outside world: never sent to webhooks.
INTERNAL_EVENTS = frozenset({"webhook.replay_requested", "import.requested", "export.requested"})


def emit(
    session: AsyncSession,
    principal: Principal,
    event_type: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    payload: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Add one event to the current transaction; returns its id (the consumers' deduplication key)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    event = OutboxEvent(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        event_type=event_type,
        entity_type=entity_type,
        entity_id=entity_id,
        payload=payload or {},
        actor_id=principal.user_id,
    )
    session.add(event)
    return event.id


def emit_from(event_type: str, entity_type: str, row: Any, payload: ColumnElement[Any]) -> Insert:
    """`emit` as an INSERT ... SELECT over a statement's rows (a CTE's RETURNING), for the lean write path:
    one event per row, `payload` a JSON expression over it; the event's id and actor are the parameters
    `event_id` and `actor_id`."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    source = select(
        row.c.tenant_id,
        bindparam("event_id", type_=Uuid()),
        constant(event_type),
        constant(entity_type),
        row.c.id,
        payload,
        bindparam("actor_id", type_=Uuid()),
    )
    columns = ["tenant_id", "id", "event_type", "entity_type", "entity_id", "payload", "actor_id"]
    return insert(OutboxEvent.__table__).from_select(columns, source, include_defaults=False)


async def first_time(session: AsyncSession, event_id: uuid.UUID, consumer: str) -> bool:
    """Mark the event handled by `consumer` in this unit of work; False if it already was (a redelivery)."""
    inserted = await session.execute(
        text(
            "insert into app.processed_events (tenant_id, id, consumer)"
            " values (current_setting('app.tenant_id')::uuid, :id, :consumer) on conflict do nothing"
        ),
        {"id": event_id, "consumer": consumer},
    )
    return cast("CursorResult[Any]", inserted).rowcount == 1  # an insert's result is a CursorResult

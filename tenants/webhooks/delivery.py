"""The worker's side of webhooks: which endpoints get an event, claiming a delivery, recording attempts.

Every function runs in a `system` unit of work of the event's tenant, so one tenant's events can only ever
reach that tenant's endpoints.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.outbox.models import OutboxEvent
from tenants.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

MAX_ATTEMPTS = 6
BASE_DELAY = dt.timedelta(seconds=2)
MAX_DELAY = dt.timedelta(hours=1)
LEASE = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Claimed:
    delivery_id: uuid.UUID
    attempt: int
    url: str
    secret: str
    body: bytes
    event_id: uuid.UUID
    event_type: str


async def plan(session: AsyncSession, event: OutboxEvent) -> list[uuid.UUID]:
    """Deliveries for every active endpoint subscribed to the event (once each, none for a deleted endpoint);
    returns the pending ones."""
    await session.execute(
        text(
            "insert into app.webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, payload)"
            " select e.tenant_id, gen_random_uuid(), e.id, :event_id, :event_type, cast(:payload as jsonb)"
            " from app.webhook_endpoints e"
            " where e.active and e.archived_at is null"
            " and (:event_type = any(e.event_types) or '*' = any(e.event_types))"
            " on conflict (tenant_id, endpoint_id, event_id) do nothing"
        ),
        {"event_id": event.id, "event_type": event.event_type, "payload": _body(event).decode()},
    )
    rows = await session.execute(
        select(WebhookDelivery.id).where(WebhookDelivery.event_id == event.id, WebhookDelivery.status == "pending")
    )
    return list(rows.scalars())


def _body(event: OutboxEvent) -> bytes:
    return orjson.dumps(
        {
            "id": str(event.id),
            "type": event.event_type,
            "tenant_id": str(event.tenant_id),
            "occurred_at": event.created_at.isoformat(),
            "entity": {"type": event.entity_type, "id": str(event.entity_id) if event.entity_id else None},
            "data": event.payload,
        }
    )


async def claim(session: AsyncSession, delivery_id: uuid.UUID, lease: dt.timedelta = LEASE) -> Claimed | None:
    """Take a pending delivery for one attempt (a lease), so a duplicate message cannot send it twice at once."""
    row = (
        await session.execute(
            text(
                "update app.webhook_deliveries set next_attempt_at = now() + :lease, attempts = attempts + 1"
                " where id = :id and status = 'pending'"
                " and (next_attempt_at is null or next_attempt_at <= now() + interval '2 seconds')"
                " returning endpoint_id, attempts, event_id, event_type, payload::text"
            ),
            {"id": delivery_id, "lease": lease},
        )
    ).first()
    if row is None:
        return None
    endpoint = await session.get(WebhookEndpoint, (await _tenant(session), row.endpoint_id))
    if endpoint is None or not endpoint.active or endpoint.archived_at is not None:
        reason = "endpoint deleted" if endpoint is None or endpoint.archived_at is not None else "endpoint disabled"
        await session.execute(
            text("update app.webhook_deliveries set status = 'dead', last_error = :reason where id = :id"),
            {"id": delivery_id, "reason": reason},
        )
        return None
    return Claimed(
        delivery_id, row.attempts, endpoint.url, endpoint.secret, row.payload.encode(), row.event_id, row.event_type
    )


async def _tenant(session: AsyncSession) -> uuid.UUID:
    return uuid.UUID((await session.execute(text("select current_setting('app.tenant_id')"))).scalar())


_jitter = random.Random()


def backoff(attempt: int, base: dt.timedelta = BASE_DELAY) -> dt.timedelta:
    """Exponential backoff with jitter: about base, 2 x base, 4 x base ... capped at an hour."""
    ceiling = min(MAX_DELAY, base * (2 ** (attempt - 1)))
    return dt.timedelta(seconds=ceiling.total_seconds() * (0.5 + _jitter.random() / 2))


async def record_attempt(
    session: AsyncSession,
    claimed: Claimed,
    attempt_id: uuid.UUID,
    *,
    status_code: int | None,
    latency_ms: int,
    error: str | None,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: dt.timedelta = BASE_DELAY,
) -> dt.timedelta | None:
    """Log the attempt and settle the delivery; returns the delay before the next attempt, or None."""
    session.add(
        WebhookAttempt(
            id=attempt_id,
            tenant_id=await _tenant(session),
            delivery_id=claimed.delivery_id,
            attempt=claimed.attempt,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
        )
    )
    delivery = await session.get_one(WebhookDelivery, (await _tenant(session), claimed.delivery_id))
    delivery.last_status_code, delivery.last_error = status_code, error
    delay = None
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", dt.datetime.now(dt.UTC), None
    elif claimed.attempt >= max_attempts:
        delivery.status, delivery.next_attempt_at = "dead", None
    else:
        delay = backoff(claimed.attempt, base_delay)
        delivery.next_attempt_at = dt.datetime.now(dt.UTC) + delay
    await session.flush()
    return delay


async def stuck(session: AsyncSession, now: dt.datetime) -> list[uuid.UUID]:
    """Pending deliveries whose message was lost (a crash between commit and enqueue): due again."""
    rows = await session.execute(
        select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending",
            (WebhookDelivery.next_attempt_at.is_(None) & (WebhookDelivery.created_at < now - LEASE))
            | (WebhookDelivery.next_attempt_at < now - dt.timedelta(seconds=30)),
        )
    )
    return list(rows.scalars())

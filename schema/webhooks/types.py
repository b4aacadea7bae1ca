"""Webhook endpoint and delivery types."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from schema.enums import nested_limit
from schema.loaders import children
from schema.relay import Node, to_global_id
from tenants.webhooks.models import WebhookAttempt as AttemptRow
from tenants.webhooks.models import WebhookDelivery as DeliveryRow
from tenants.webhooks.models import WebhookEndpoint as EndpointRow


@strawberry.type
class WebhookEndpoint(Node):
    url: str
    event_types: list[str]
    active: bool
    description: str | None
    version: int
    created_at: dt.datetime

    @classmethod
    def of(cls, row: EndpointRow) -> WebhookEndpoint:
        return cls(
            id=to_global_id("WebhookEndpoint", row.id),
            url=row.url,
            event_types=list(row.event_types),
            active=row.active,
            description=row.description,
            version=row.version,
            created_at=row.created_at,
        )


@strawberry.type
class WebhookAttempt:
    delivery_id: strawberry.ID = strawberry.field(description="Sent as ChannelGraph-Delivery-Id.")
    attempt: int
    status_code: int | None
    latency_ms: int | None
    error: str | None
    at: dt.datetime


@strawberry.type
class WebhookDelivery(Node):
    endpoint_id: strawberry.ID
    event_id: strawberry.ID = strawberry.field(description="Sent as ChannelGraph-Event-Id; stable across attempts.")
    event_type: str
    status: str = strawberry.field(description="pending, delivered or dead (a dead letter, replayable).")
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    _row: strawberry.Private[DeliveryRow]

    @classmethod
    def of(cls, row: DeliveryRow) -> WebhookDelivery:
        return cls(
            id=to_global_id("WebhookDelivery", row.id),
            endpoint_id=to_global_id("WebhookEndpoint", row.endpoint_id),
            event_id=strawberry.ID(str(row.event_id)),
            event_type=row.event_type,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            delivered_at=row.delivered_at,
            created_at=row.created_at,
            _row=row,
        )

    @strawberry.field(description="Every attempt, oldest first.")
    async def log(self, info: Info, first: int = 20) -> list[WebhookAttempt]:
        rows = await children(
            info.context, AttemptRow, AttemptRow.delivery_id, [AttemptRow.attempt, AttemptRow.id], nested_limit(first)
        ).load(self._row.id)
        return [
            WebhookAttempt(
                delivery_id=strawberry.ID(str(r.id)),
                attempt=r.attempt,
                status_code=r.status_code,
                latency_ms=r.latency_ms,
                error=r.error,
                at=r.at,
            )
            for r in rows
        ]

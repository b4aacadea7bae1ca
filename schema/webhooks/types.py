"""Webhook endpoint and delivery types (owners and admins)."""

from __future__ import annotations

import datetime as dt

import strawberry

from authz import actions
from schema.graph.entities import entity
from schema.graph.fields import children, column, foreign_id
from schema.graph.readers import VENDOR
from schema.relay import Node
from tenants.webhooks.models import WebhookAttempt as AttemptRow
from tenants.webhooks.models import WebhookDelivery as DeliveryRow
from tenants.webhooks.models import WebhookEndpoint as EndpointRow
from tenants.webhooks.service import ATTEMPT_ORDER


@entity(EndpointRow, readers=VENDOR, action=actions.WEBHOOK_READ)
class WebhookEndpoint(Node):
    url: str = column(VENDOR)
    event_types: list[str] = column(VENDOR)
    active: bool = column(VENDOR)
    description: str | None = column(VENDOR)
    version: int = column(VENDOR)
    created_at: dt.datetime = column(VENDOR)


@entity(AttemptRow, readers=VENDOR, action=None, node=False)
class WebhookAttempt:
    delivery_id: strawberry.ID = column(VENDOR, column="id", description="Sent as ChannelGraph-Delivery-Id.")
    attempt: int = column(VENDOR)
    status_code: int | None = column(VENDOR)
    latency_ms: int | None = column(VENDOR)
    error: str | None = column(VENDOR)
    at: dt.datetime = column(VENDOR)


@entity(DeliveryRow, readers=VENDOR, action=actions.WEBHOOK_READ)
class WebhookDelivery(Node):
    endpoint_id: strawberry.ID = foreign_id("endpoint_id", "WebhookEndpoint", VENDOR)
    event_id: strawberry.ID = column(VENDOR, description="Sent as ChannelGraph-Event-Id; stable across attempts.")
    event_type: str = column(VENDOR)
    status: str = column(VENDOR, description="pending, delivered or dead (a dead letter, replayable).")
    attempts: int = column(VENDOR)
    next_attempt_at: dt.datetime | None = column(VENDOR)
    last_status_code: int | None = column(VENDOR)
    last_error: str | None = column(VENDOR)
    delivered_at: dt.datetime | None = column(VENDOR)
    created_at: dt.datetime = column(VENDOR)
    log: list[WebhookAttempt] = children(
        "delivery_id", ATTEMPT_ORDER, VENDOR, description="Every attempt, oldest first."
    )

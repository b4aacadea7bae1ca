"""Endpoints a tenant registered, one delivery per (endpoint, event), and every attempt's outcome."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, SECRET, Base, TenantScoped, Timestamps, Versioned, sql_list, utcnow_column

DELIVERY_STATUSES = ("pending", "delivered", "dead")


class WebhookEndpoint(TenantScoped, Timestamps, Versioned, Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = ({"schema": APP_SCHEMA},)

    url: Mapped[str] = mapped_column(Text, nullable=False)
    # The signing secret; shown once at creation, never returned by the API afterwards.
    secret: Mapped[str] = mapped_column(Text, nullable=False, info=SECRET)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="true")
    description: Mapped[str | None] = mapped_column(Text)


class WebhookDelivery(TenantScoped, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "endpoint_id", "event_id"),
        ForeignKeyConstraint(
            ["tenant_id", "endpoint_id"], ["app.webhook_endpoints.tenant_id", "app.webhook_endpoints.id"]
        ),
        CheckConstraint(f"status in {sql_list(DELIVERY_STATUSES)}", name="status"),
        Index("ix_webhook_deliveries_tenant_id_status", "tenant_id", "status", "next_attempt_at"),
        {"schema": APP_SCHEMA},
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    event_type: Mapped[str] = mapped_column(Text, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = utcnow_column()


class WebhookAttempt(TenantScoped, Base):
    """One HTTP attempt; its id is the delivery id the receiver sees in `ChannelGraph-Delivery-Id`."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "delivery_id"], ["app.webhook_deliveries.tenant_id", "app.webhook_deliveries.id"]
        ),
        Index("ix_webhook_attempts_tenant_id_delivery_id", "tenant_id", "delivery_id"),
        {"schema": APP_SCHEMA},
    )

    delivery_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = utcnow_column()

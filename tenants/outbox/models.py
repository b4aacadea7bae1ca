"""Outbox rows: one domain event each, relayed to the broker after commit (docs/architecture.md, rule 7)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime, Index, Integer, Text, Uuid, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OutboxEvent(TenantScoped, Base):
    """Written without RETURNING: any audience may record an event, only `system` and the relay read them."""

    __tablename__ = "outbox"
    __mapper_args__ = {"eager_defaults": False}
    __table_args__ = (
        Index("ix_outbox_tenant_id_unsent", "tenant_id", "created_at", postgresql_where=text("sent_at is null")),
        {"schema": APP_SCHEMA},
    )

    event_type: Mapped[str] = mapped_column(Text, nullable=False)
    entity_type: Mapped[str] = mapped_column(Text, nullable=False)
    entity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), default=_now, nullable=False
    )
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)


class ProcessedEvent(TenantScoped, Base):
    """Consumers' memory of events already handled: the deduplication of at-least-once delivery.

    `id` is the event id; `consumer` names the handler, so several consumers may handle one event once each.
    """

    __tablename__ = "processed_events"
    __mapper_args__ = {"eager_defaults": False}
    __table_args__ = ({"schema": APP_SCHEMA},)

    consumer: Mapped[str] = mapped_column(Text, primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), default=_now, nullable=False
    )

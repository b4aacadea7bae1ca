"""Deals and the tenant's pipeline."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, Timestamps, Versioned, reach_column, sql_list, utcnow_column
from tenants.money import CURRENCY_SQL

DEAL_SOURCES = ("direct", "partner_sourced", "partner_influenced")
STAGE_KINDS = ("open", "won", "lost")
DEAL_STATUSES = ("open", "won", "lost")


class PipelineStage(TenantScoped, Base):
    __tablename__ = "pipeline_stages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        UniqueConstraint("tenant_id", "position", deferrable=True, initially="DEFERRED"),
        CheckConstraint(f"kind in {sql_list(STAGE_KINDS)}", name="kind"),
        CheckConstraint("probability between 0 and 100", name="probability"),
        {"schema": APP_SCHEMA},
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    probability: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)


class Deal(TenantScoped, Timestamps, Versioned, Base):
    __tablename__ = "deals"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["app.customers.tenant_id", "app.customers.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "stage_id"], ["app.pipeline_stages.tenant_id", "app.pipeline_stages.id"]),
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["app.users.tenant_id", "app.users.id"]),
        CheckConstraint(f"source in {sql_list(DEAL_SOURCES)}", name="source"),
        CheckConstraint(f"status in {sql_list(DEAL_STATUSES)}", name="status"),
        CheckConstraint("source = 'direct' or partner_id is not null", name="partner_source_has_partner"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint(f"currency ~ {CURRENCY_SQL}", name="currency"),
        CheckConstraint("probability between 0 and 100", name="probability"),
        CheckConstraint("(status = 'open') = (closed_at is null)", name="closed_at"),
        Index("ix_deals_tenant_id_customer_id", "tenant_id", "customer_id"),
        Index("ix_deals_tenant_id_partner_id", "tenant_id", "partner_id"),
        Index("ix_deals_tenant_id_stage_id", "tenant_id", "stage_id"),
        Index("ix_deals_tenant_id_owner_id", "tenant_id", "owner_id"),
        Index("ix_deals_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        {"schema": APP_SCHEMA},
    )

    title: Mapped[str] = mapped_column(Text, nullable=False)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(Text, nullable=False, server_default="direct")
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    amount: Mapped[decimal.Decimal] = mapped_column(Numeric(18, 2), nullable=False, server_default="0")
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    expected_close_date: Mapped[dt.date | None] = mapped_column(Date)
    probability: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="open")
    close_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    internal_notes: Mapped[str | None] = mapped_column(Text)


class DealStageChange(TenantScoped, Base):
    __tablename__ = "deal_stage_history"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "deal_id"], ["app.deals.tenant_id", "app.deals.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "from_stage_id"], ["app.pipeline_stages.tenant_id", "app.pipeline_stages.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "to_stage_id"], ["app.pipeline_stages.tenant_id", "app.pipeline_stages.id"]),
        Index("ix_deal_stage_history_tenant_id_deal_id", "tenant_id", "deal_id", "changed_at"),
        {"schema": APP_SCHEMA},
    )

    deal_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    from_stage_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    to_stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    changed_at: Mapped[dt.datetime] = utcnow_column()
    partner_ids: Mapped[list[uuid.UUID]] = reach_column()

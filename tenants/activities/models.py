"""Activities."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, DateTime, ForeignKeyConstraint, Index, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, Versioned, reach_column, sql_list, utcnow_column

ACTIVITY_KINDS = ("note", "call", "meeting", "email", "task")


class Activity(TenantScoped, Versioned, Base):
    """A timeline entry. Deleting one archives it (`archived_at`): it leaves every list and timeline."""

    __tablename__ = "activities"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["app.customers.tenant_id", "app.customers.id"]),
        ForeignKeyConstraint(["tenant_id", "deal_id"], ["app.deals.tenant_id", "app.deals.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "author_id"], ["app.users.tenant_id", "app.users.id"]),
        ForeignKeyConstraint(["tenant_id", "author_partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        CheckConstraint(f"kind in {sql_list(ACTIVITY_KINDS)}", name="kind"),
        CheckConstraint("num_nonnulls(customer_id, deal_id, partner_id) >= 1", name="has_subject"),
        Index("ix_activities_tenant_id_customer_id", "tenant_id", "customer_id", "occurred_at"),
        Index("ix_activities_tenant_id_deal_id", "tenant_id", "deal_id", "occurred_at"),
        Index("ix_activities_tenant_id_partner_id", "tenant_id", "partner_id", "occurred_at"),
        {"schema": APP_SCHEMA},
    )

    kind: Mapped[str] = mapped_column(Text, nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    deal_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    occurred_at: Mapped[dt.datetime] = utcnow_column()
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The partner whose user or key wrote it: a partner changes only its own (row policy, migration 0015).
    author_partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = utcnow_column()
    partner_ids: Mapped[list[uuid.UUID]] = reach_column()

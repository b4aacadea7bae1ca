"""Which partners touched a deal, and how."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, sql_list, utcnow_column

ROLES = ("sourced", "influenced")


class DealPartner(TenantScoped, Base):
    """One partner's part in one deal. A trigger on deals adds a row whenever a deal names a partner, so
    every path that sets `deals.partner_id` records it; rows stay when the deal moves to another partner."""

    __tablename__ = "deal_partners"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "deal_id"], ["app.deals.tenant_id", "app.deals.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        UniqueConstraint("tenant_id", "deal_id", "partner_id"),
        CheckConstraint(f"role in {sql_list(ROLES)}", name="role"),
        Index("ix_deal_partners_tenant_id_partner_id", "tenant_id", "partner_id"),
        {"schema": APP_SCHEMA},
    )

    deal_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    partner_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = utcnow_column()

"""Partners and the closure table that row policies use to scope a partner to its sub-partners."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, Timestamps, Versioned, sql_list

PARTNER_KINDS = ("reseller", "distributor", "referral", "msp", "si")
PARTNER_STATUSES = ("prospect", "onboarding", "active", "suspended", "terminated")


class Partner(TenantScoped, Timestamps, Versioned, Base):
    __tablename__ = "partners"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "parent_id"], ["app.partners.tenant_id", "app.partners.id"]),
        CheckConstraint(f"kind in {sql_list(PARTNER_KINDS)}", name="kind"),
        CheckConstraint(f"status in {sql_list(PARTNER_STATUSES)}", name="status"),
        CheckConstraint("parent_id is distinct from id", name="not_own_parent"),
        Index("ix_partners_tenant_id_parent_id", "tenant_id", "parent_id"),
        Index("ix_partners_tenant_id_lower_name", "tenant_id", text("lower(name)")),
        Index("ix_partners_tenant_id_domain", "tenant_id", "domain"),
        {"schema": APP_SCHEMA},
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="prospect")
    tier: Mapped[str | None] = mapped_column(Text)
    territory: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class PartnerAncestry(Base):
    """Closure of the partner hierarchy, self rows included (depth 0); kept by the write path (`tenants.reach`)."""

    __tablename__ = "partner_ancestry"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "ancestor_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "descendant_id"], ["app.partners.tenant_id", "app.partners.id"]),
        Index("ix_partner_ancestry_tenant_id_descendant_id", "tenant_id", "descendant_id"),
        {"schema": APP_SCHEMA},
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid,
        ForeignKey("platform.tenants.id"),
        primary_key=True,
        server_default=text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
    )
    ancestor_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    descendant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    depth: Mapped[int] = mapped_column(SmallInteger, nullable=False)

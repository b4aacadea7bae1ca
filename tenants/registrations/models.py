"""Registrations and the conflicts found for them."""

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
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, Timestamps, Versioned, sql_list, utcnow_column
from tenants.money import CURRENCY_SQL

STATUSES = ("submitted", "approved", "rejected", "expired", "won", "withdrawn")
# Registrations that still claim their customer: another partner's registration in one of these conflicts.
CLAIMING = ("submitted", "approved")
CONFLICT_KINDS = ("partner_registration", "partner_deal", "direct_deal")
RULES = ("domain", "registrable_domain", "name", "similar_name")


class Registration(TenantScoped, Timestamps, Versioned, Base):
    __tablename__ = "registrations"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "submitted_by"], ["app.users.tenant_id", "app.users.id"]),
        ForeignKeyConstraint(["tenant_id", "decided_by"], ["app.users.tenant_id", "app.users.id"]),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["app.customers.tenant_id", "app.customers.id"]),
        ForeignKeyConstraint(["tenant_id", "deal_id"], ["app.deals.tenant_id", "app.deals.id"]),
        CheckConstraint(f"status in {sql_list(STATUSES)}", name="status"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint(f"currency ~ {CURRENCY_SQL}", name="currency"),
        CheckConstraint("status <> 'approved' or protection_ends_at is not null", name="approved_is_protected"),
        CheckConstraint("status <> 'rejected' or rejection_reason is not null", name="rejected_has_reason"),
        # At most one approved registration per registrable domain: the database's own last word on the race.
        Index(
            "uq_registrations_tenant_id_domain_key_approved",
            "tenant_id",
            "domain_key",
            unique=True,
            postgresql_where=text("status = 'approved'"),
        ),
        Index("ix_registrations_tenant_id_domain_key", "tenant_id", "domain_key"),
        Index("ix_registrations_tenant_id_name_key", "tenant_id", "name_key"),
        Index(
            "ix_registrations_name_key_trgm",
            "tenant_id",
            "name_key",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        ),
        Index("ix_registrations_tenant_id_partner_id", "tenant_id", "partner_id"),
        Index("ix_registrations_tenant_id_deal_id", "tenant_id", "deal_id"),
        Index(
            "ix_registrations_tenant_id_protection_ends_at",
            "tenant_id",
            "protection_ends_at",
            postgresql_where=text("status = 'approved'"),
        ),
        Index("ix_registrations_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        {"schema": APP_SCHEMA},
    )

    partner_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    company_name: Mapped[str] = mapped_column(Text, nullable=False)
    company_domain: Mapped[str | None] = mapped_column(Text)
    name_key: Mapped[str | None] = mapped_column(Text)
    domain_key: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[decimal.Decimal] = mapped_column(Numeric(18, 2), nullable=False, server_default="0")
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    expected_close_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="submitted")
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    protection_ends_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    extensions: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0", default=0)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    deal_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    def protection_end(self) -> dt.datetime:
        """`protection_ends_at` of a registration that was approved (set then, never cleared); ValueError if none."""
        if self.protection_ends_at is None:
            raise ValueError(f"registration {self.id} was never approved: it has no protection window")
        return self.protection_ends_at


class RegistrationConflict(TenantScoped, Base):
    """What a conflict check found for one registration. Vendors read these rows; partners never do
    (they get a redacted view through a `system` step), so no other partner's id reaches them."""

    __tablename__ = "registration_conflicts"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "registration_id"], ["app.registrations.tenant_id", "app.registrations.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "other_registration_id"], ["app.registrations.tenant_id", "app.registrations.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "deal_id"], ["app.deals.tenant_id", "app.deals.id"]),
        ForeignKeyConstraint(["tenant_id", "other_partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        CheckConstraint(f"kind in {sql_list(CONFLICT_KINDS)}", name="kind"),
        CheckConstraint(f"rule in {sql_list(RULES)}", name="rule"),
        CheckConstraint("score between 0 and 100", name="score"),
        CheckConstraint("(other_registration_id is null) <> (deal_id is null)", name="one_subject"),
        Index("ix_registration_conflicts_tenant_id_registration_id", "tenant_id", "registration_id"),
        Index("ix_registration_conflicts_tenant_id_other_registration_id", "tenant_id", "other_registration_id"),
        {"schema": APP_SCHEMA},
    )

    registration_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    rule: Mapped[str] = mapped_column(Text, nullable=False)
    score: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    other_registration_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    deal_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    other_partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    detected_at: Mapped[dt.datetime] = utcnow_column()

"""Leads, their contact details (a table of their own: see the row policy in migration 0006), the offers
made to partners (assignments), and the tenant's per-tier distribution rules."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, Timestamps, Versioned, reach_column, sql_list

LEAD_STATUSES = ("pool", "offered", "converted")
ASSIGNMENT_STATUSES = ("offered", "accepted", "declined", "expired", "withdrawn")
LIVE = ("offered", "accepted")
# A partner that declined a lead, or let the offer lapse, is never offered that lead again.
REFUSED = ("declined", "expired")
METHODS = ("rule", "manual")


class Lead(TenantScoped, Timestamps, Versioned, Base):
    __tablename__ = "leads"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["app.customers.tenant_id", "app.customers.id"]),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["app.contacts.tenant_id", "app.contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "deal_id"], ["app.deals.tenant_id", "app.deals.id"]),
        ForeignKeyConstraint(["tenant_id", "created_by"], ["app.users.tenant_id", "app.users.id"]),
        CheckConstraint(f"status in {sql_list(LEAD_STATUSES)}", name="status"),
        CheckConstraint("(status = 'pool') = (partner_id is null)", name="pool_has_no_partner"),
        CheckConstraint("status <> 'converted' or deal_id is not null", name="converted_has_deal"),
        Index("ix_leads_tenant_id_partner_id", "tenant_id", "partner_id"),
        Index("ix_leads_tenant_id_status_created_at_id", "tenant_id", "status", "created_at", "id"),
        Index("ix_leads_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        {"schema": APP_SCHEMA},
    )

    company_name: Mapped[str] = mapped_column(Text, nullable=False)
    company_domain: Mapped[str | None] = mapped_column(Text)
    territory: Mapped[str | None] = mapped_column(Text)
    need: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="pool", default="pool")
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    deal_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class LeadContact(TenantScoped, Base):
    """The person behind a lead. A partner reads it only once its assignment is accepted (row policy)."""

    __tablename__ = "lead_contacts"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "lead_id"], ["app.leads.tenant_id", "app.leads.id"]),
        UniqueConstraint("tenant_id", "lead_id"),
        {"schema": APP_SCHEMA},
    )

    lead_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    first_name: Mapped[str] = mapped_column(Text, nullable=False)
    last_name: Mapped[str] = mapped_column(Text, nullable=False, server_default="", default="")
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    partner_ids: Mapped[list[uuid.UUID]] = reach_column()


class LeadAssignment(TenantScoped, Base):
    """One offer of a lead to one partner, and what became of it."""

    __tablename__ = "lead_assignments"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "lead_id"], ["app.leads.tenant_id", "app.leads.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "assigned_by"], ["app.users.tenant_id", "app.users.id"]),
        CheckConstraint(f"status in {sql_list(ASSIGNMENT_STATUSES)}", name="status"),
        CheckConstraint(f"method in {sql_list(METHODS)}", name="method"),
        Index(
            "uq_lead_assignments_tenant_id_lead_id_live",
            "tenant_id",
            "lead_id",
            unique=True,
            postgresql_where=text(f"status in {sql_list(LIVE)}"),
        ),
        Index("ix_lead_assignments_tenant_id_lead_id", "tenant_id", "lead_id"),
        Index("ix_lead_assignments_tenant_id_partner_id_status", "tenant_id", "partner_id", "status"),
        Index("ix_lead_assignments_tenant_id_status_accept_by", "tenant_id", "status", "accept_by"),
        {"schema": APP_SCHEMA},
    )

    lead_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    partner_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="offered", default="offered")
    method: Mapped[str] = mapped_column(Text, nullable=False)
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accept_by: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(Text)


class LeadTierRule(TenantScoped, Base):
    """How many leads a partner of `tier` may hold open at once, and its share relative to other tiers."""

    __tablename__ = "lead_tier_rules"
    __table_args__ = (
        UniqueConstraint("tenant_id", "tier"),
        CheckConstraint("weight between 1 and 1000", name="weight"),
        CheckConstraint("capacity between 0 and 100000", name="capacity"),
        {"schema": APP_SCHEMA},
    )

    tier: Mapped[str] = mapped_column(Text, nullable=False)
    weight: Mapped[int] = mapped_column(Integer, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)

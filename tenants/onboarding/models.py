"""Partner applications, the tenant's versioned partner agreement, and partners' acceptances of it."""

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
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, Timestamps, Versioned, sql_list, utcnow_column
from tenants.partners.models import PARTNER_KINDS

APPLICATION_STATUSES = ("applied", "in_review", "approved", "rejected")
PENDING = ("applied", "in_review")
ORIGINS = ("team", "public")


class PartnerApplication(TenantScoped, Timestamps, Versioned, Base):
    __tablename__ = "partner_applications"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "submitted_by"], ["app.users.tenant_id", "app.users.id"]),
        ForeignKeyConstraint(["tenant_id", "reviewed_by"], ["app.users.tenant_id", "app.users.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        CheckConstraint(f"kind in {sql_list(PARTNER_KINDS)}", name="kind"),
        CheckConstraint(f"origin in {sql_list(ORIGINS)}", name="origin"),
        CheckConstraint(f"status in {sql_list(APPLICATION_STATUSES)}", name="status"),
        CheckConstraint("status <> 'rejected' or rejection_reason is not null", name="rejected_has_reason"),
        CheckConstraint("status <> 'approved' or partner_id is not null", name="approved_has_partner"),
        Index("ix_partner_applications_tenant_id_status_created_at_id", "tenant_id", "status", "created_at", "id"),
        Index("ix_partner_applications_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        Index("ix_partner_applications_tenant_id_partner_id", "tenant_id", "partner_id"),
        Index(
            "uq_partner_applications_tenant_id_domain_pending",
            "tenant_id",
            "domain",
            unique=True,
            postgresql_where=text(f"status in {sql_list(PENDING)}"),
        ),
        {"schema": APP_SCHEMA},
    )

    company_name: Mapped[str] = mapped_column(Text, nullable=False)
    domain: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    territory: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(Text, nullable=False)
    contact_email: Mapped[str] = mapped_column(Text, nullable=False)
    contact_phone: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="applied", default="applied")
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class PartnerAgreement(TenantScoped, Base):
    """One version of the tenant's partner agreement; the highest version is the current one."""

    __tablename__ = "partner_agreements"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "published_by"], ["app.users.tenant_id", "app.users.id"]),
        UniqueConstraint("tenant_id", "version"),
        CheckConstraint("version > 0", name="version"),
        {"schema": APP_SCHEMA},
    )

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    published_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = utcnow_column()


class AgreementAcceptance(TenantScoped, Base):
    """Who accepted which version of the agreement for which partner, and when."""

    __tablename__ = "agreement_acceptances"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "agreement_id"], ["app.partner_agreements.tenant_id", "app.partner_agreements.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["app.users.tenant_id", "app.users.id"]),
        UniqueConstraint("tenant_id", "partner_id", "agreement_id"),
        Index("ix_agreement_acceptances_tenant_id_agreement_id", "tenant_id", "agreement_id"),
        {"schema": APP_SCHEMA},
    )

    agreement_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    partner_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    accepted_at: Mapped[dt.datetime] = utcnow_column()


# The version of the agreement accepted, computed in SQL (both read paths show the same).
AgreementAcceptance.version = column_property(
    select(PartnerAgreement.version)
    .where(
        PartnerAgreement.tenant_id == AgreementAcceptance.tenant_id,
        PartnerAgreement.id == AgreementAcceptance.agreement_id,
    )
    .correlate_except(PartnerAgreement)
    .scalar_subquery(),
    deferred=True,
)

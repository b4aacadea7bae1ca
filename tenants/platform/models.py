"""Tables of the `platform` schema."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import PLATFORM_SCHEMA, Base, Timestamps, new_id, sql_list, utcnow_column

TENANT_STATUSES = ("active", "suspended")


class Tenant(Timestamps, Base):
    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint(f"status in {sql_list(TENANT_STATUSES)}", name="status"),
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name="slug"),
        CheckConstraint("fiscal_year_start_month between 1 and 12", name="fiscal_year_start_month"),
        CheckConstraint("protection_days between 1 and 3650", name="protection_days"),
        CheckConstraint("lead_sla_hours between 1 and 8760", name="lead_sla_hours"),
        {"schema": PLATFORM_SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(63), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="active")
    plan: Mapped[str] = mapped_column(Text, nullable=False, server_default="standard")
    time_zone: Mapped[str] = mapped_column(Text, nullable=False, server_default="UTC")
    fiscal_year_start_month: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")
    default_currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="USD")
    policy_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    protection_days: Mapped[int] = mapped_column(Integer, nullable=False, server_default="90")
    # Lead distribution (migration 0006): hours a partner has to accept an offered lead; and whether
    # the public partner application form is open.
    lead_sla_hours: Mapped[int] = mapped_column(Integer, nullable=False, server_default="48")
    public_applications: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))


class PlatformAdmin(Base):
    __tablename__ = "admins"
    __table_args__ = (
        Index("uq_admins_lower_email", text("lower(email)"), unique=True),
        {"schema": PLATFORM_SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="active")
    created_at: Mapped[dt.datetime] = utcnow_column()


class ApiKeyIndex(Base):
    """Key id -> tenant id, and nothing else: lets the edge find the tenant before it is known."""

    __tablename__ = "api_key_index"
    __table_args__ = ({"schema": PLATFORM_SCHEMA},)

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{PLATFORM_SCHEMA}.tenants.id"), nullable=False, index=True
    )


class DefaultPolicyRule(Base):
    """Role -> action rules shared by every tenant (Casbin domain `*`)."""

    __tablename__ = "policy_rules"
    __table_args__ = ({"schema": PLATFORM_SCHEMA},)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    ptype: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    dom: Mapped[str] = mapped_column(Text, nullable=False)
    obj: Mapped[str] = mapped_column(Text, nullable=False)
    act: Mapped[str] = mapped_column(Text, nullable=False)
    eft: Mapped[str] = mapped_column(Text, nullable=False, server_default="allow")


class PlatformAudit(Base):
    """What platform principals did, including every `acting_for` step into a tenant."""

    __tablename__ = "audit_log"
    __table_args__ = ({"schema": PLATFORM_SCHEMA},)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)

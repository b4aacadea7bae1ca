"""Audit entries (append-only) and a tenant's own policy lines."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime, Index, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, utcnow_column


class AuditEntry(TenantScoped, Base):
    """Append-only. Written without RETURNING: partners and customers may add entries but not read them."""

    __tablename__ = "audit_log"
    __mapper_args__ = {"eager_defaults": False}
    __table_args__ = (
        Index("ix_audit_log_tenant_id_at", "tenant_id", "at"),
        Index("ix_audit_log_tenant_id_entity_id", "tenant_id", "entity_id"),
        {"schema": APP_SCHEMA},
    )

    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_audience: Mapped[str] = mapped_column(Text, nullable=False)
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(Text, nullable=False)
    entity_type: Mapped[str] = mapped_column(Text, nullable=False)
    entity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), default=lambda: dt.datetime.now(dt.UTC), nullable=False
    )


class TenantPolicyRule(TenantScoped, Base):
    """A tenant's own Casbin line (allow or deny) on top of the shared defaults."""

    __tablename__ = "policy_rules"
    __table_args__ = ({"schema": APP_SCHEMA},)

    role: Mapped[str] = mapped_column(Text, nullable=False)
    obj: Mapped[str] = mapped_column(Text, nullable=False)
    act: Mapped[str] = mapped_column(Text, nullable=False)
    eft: Mapped[str] = mapped_column(Text, nullable=False, server_default="allow")
    created_at: Mapped[dt.datetime] = utcnow_column()

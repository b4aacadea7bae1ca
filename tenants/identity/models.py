"""Users, their membership (audience, roles, partner or customer link), invitations and API keys."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, Timestamps, Versioned, utcnow_column

AUDIENCES_SQL = "('vendor', 'partner', 'customer')"


class User(TenantScoped, Timestamps, Versioned, Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_tenant_id_lower_email", "tenant_id", text("lower(email)"), unique=True),
        CheckConstraint("status in ('invited', 'active', 'deactivated')", name="status"),
        {"schema": APP_SCHEMA},
    )

    email: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="invited")
    password_hash: Mapped[str | None] = mapped_column(Text)


class Membership(TenantScoped, Timestamps, Base):
    """A user's place in the tenant. Checked on every request, so revocation is immediate."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["app.users.tenant_id", "app.users.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["app.customers.tenant_id", "app.customers.id"]),
        CheckConstraint(f"audience in {AUDIENCES_SQL}", name="audience"),
        CheckConstraint("status in ('active', 'revoked')", name="status"),
        CheckConstraint(
            "(audience = 'partner') = (partner_id is not null) and (audience = 'customer') = (customer_id is not null)",
            name="link",
        ),
        Index("ix_memberships_tenant_id_partner_id", "tenant_id", "partner_id"),
        {"schema": APP_SCHEMA},
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    audience: Mapped[str] = mapped_column(Text, nullable=False)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="active")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Invitation(TenantScoped, Base):
    """A one-time token that lets an invited user set a password and become active."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["app.users.tenant_id", "app.users.id"]),
        Index("ix_invitations_tenant_id_user_id", "tenant_id", "user_id"),
        {"schema": APP_SCHEMA},
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = utcnow_column()
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(TenantScoped, Base):
    """An integration credential `cg_<key_id>_<secret>`; only the secret's SHA-256 is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key_id"),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["app.customers.tenant_id", "app.customers.id"]),
        CheckConstraint(f"audience in {AUDIENCES_SQL}", name="audience"),
        CheckConstraint(
            "(audience = 'partner') = (partner_id is not null) and (audience = 'customer') = (customer_id is not null)",
            name="link",
        ),
        Index("ix_api_keys_tenant_id_partner_id", "tenant_id", "partner_id"),
        {"schema": APP_SCHEMA},
    )

    key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    audience: Mapped[str] = mapped_column(Text, nullable=False)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = utcnow_column()
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def prefix(self) -> str:
        return f"cg_{self.key_id}"

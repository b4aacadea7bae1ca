"""Users, their membership (audience, roles, partner or customer link), invitations and API keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

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
    and_,
    false,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlalchemy.sql.selectable import ScalarSelect

from tenants.base import (
    APP_SCHEMA,
    SECRET,
    Base,
    TenantScoped,
    Timestamps,
    Versioned,
    reach_column,
    sql_list,
    utcnow_column,
)

AUDIENCES = ("vendor", "partner", "customer")
USER_STATUSES = ("invited", "active", "deactivated")
MEMBERSHIP_STATUSES = ("active", "revoked")


class User(TenantScoped, Timestamps, Versioned, Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_tenant_id_lower_email", "tenant_id", text("lower(email)"), unique=True),
        CheckConstraint(f"status in {sql_list(USER_STATUSES)}", name="status"),
        {"schema": APP_SCHEMA},
    )

    email: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default="invited")
    password_hash: Mapped[str | None] = mapped_column(Text, info=SECRET)
    partner_ids: Mapped[list[uuid.UUID]] = reach_column()

    if TYPE_CHECKING:  # the membership's values, mapped below once Membership exists
        audience: Mapped[str]
        roles: Mapped[list[str]]
        partner_id: Mapped[uuid.UUID | None]
        active: Mapped[bool]


class Membership(TenantScoped, Timestamps, Base):
    """A user's place in the tenant. Checked on every request, so revocation is immediate."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["app.users.tenant_id", "app.users.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["app.customers.tenant_id", "app.customers.id"]),
        CheckConstraint(f"audience in {sql_list(AUDIENCES)}", name="audience"),
        CheckConstraint(f"status in {sql_list(MEMBERSHIP_STATUSES)}", name="status"),
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


def _of_membership(value: SQLCoreOperations[Any]) -> ScalarSelect[Any]:
    """A value of the user's membership (one per user and tenant), as an SQL expression over the user's row."""
    return (
        select(value)
        .where(Membership.tenant_id == User.tenant_id, Membership.user_id == User.id)
        .correlate_except(Membership)
        .scalar_subquery()
    )


# What the graph shows of a user's membership, computed in SQL so both read paths agree. Deferred: loaded
# only where asked for (never by authentication, which reads the membership itself).
User.audience = column_property(_of_membership(Membership.audience), deferred=True)
User.roles = column_property(
    func.coalesce(_of_membership(Membership.roles), literal_column("'{}'::text[]")), deferred=True
)
User.partner_id = column_property(_of_membership(Membership.partner_id), deferred=True)
User.active = column_property(
    and_(
        func.coalesce(_of_membership(Membership.status == "active"), false()),
        User.status != "deactivated",
    ),
    deferred=True,
)


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
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, info=SECRET)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = utcnow_column()
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    partner_ids: Mapped[list[uuid.UUID]] = reach_column()


class ApiKey(TenantScoped, Base):
    """An integration credential `cg_<key_id>_<secret>`; only the secret's SHA-256 is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key_id"),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["app.customers.tenant_id", "app.customers.id"]),
        CheckConstraint(f"audience in {sql_list(AUDIENCES)}", name="audience"),
        CheckConstraint(
            "(audience = 'partner') = (partner_id is not null) and (audience = 'customer') = (customer_id is not null)",
            name="link",
        ),
        Index("ix_api_keys_tenant_id_partner_id", "tenant_id", "partner_id"),
        {"schema": APP_SCHEMA},
    )

    key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, info=SECRET)
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

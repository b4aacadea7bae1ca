"""Turning verified credentials into a Principal, checked against the database on every request.

Each check runs as the `authn` audience, whose row policies show exactly the one user, membership or
key being checked. A suspended tenant's users and keys are authenticated but forbidden.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.principal import Audience, Principal
from tenants.database import SET_IDENTITY, identity_params, tenant_session
from tenants.errors import Forbidden, Unauthenticated
from tenants.identity.credentials import parse_api_key, same_digest

MEMBER = text(
    "select m.audience, m.roles, m.partner_id, m.customer_id, t.status as tenant_status, t.policy_version"
    " from app.users u"
    " join app.memberships m on m.tenant_id = u.tenant_id and m.user_id = u.id"
    " join platform.tenants t on t.id = u.tenant_id"
    " where u.tenant_id = :tenant_id and u.id = :user_id"
    " and u.status = 'active' and m.status = 'active' and u.archived_at is null"
)
KEY_TENANT = text("select tenant_id from platform.api_key_index where key_id = :key_id")
KEY = text(
    "select k.secret_hash, k.audience, k.roles, k.partner_id, k.customer_id,"
    " t.status as tenant_status, t.policy_version"
    " from app.api_keys k join platform.tenants t on t.id = k.tenant_id"
    " where k.tenant_id = :tenant_id and k.key_id = :key_id"
    " and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())"
)
ADMIN = text("select 1 from platform.admins where id = :id and status = 'active'")
TOUCH_KEY = text(
    "update app.api_keys set last_used_at = now() where tenant_id = :tenant_id and key_id = :key_id"
    " and (last_used_at is null or last_used_at < now() - interval '1 minute')"
)


def _principal(
    row: Row[Any], tenant_id: uuid.UUID, *, user_id: uuid.UUID | None = None, api_key_id: str | None = None
) -> Principal:
    if row.tenant_status != "active":
        raise Forbidden("this tenant is suspended")
    return Principal(
        Audience(row.audience),
        user_id=user_id,
        tenant_id=tenant_id,
        roles=frozenset(row.roles),
        partner_id=row.partner_id,
        customer_id=row.customer_id,
        api_key_id=api_key_id,
        policy_version=row.policy_version,
    )


async def member_principal(
    sessions: async_sessionmaker[AsyncSession], tenant_id: uuid.UUID, user_id: uuid.UUID
) -> Principal:
    async with tenant_session(sessions, Principal.authn(tenant_id, user_id=user_id), read_only=True) as s:
        row = (await s.execute(MEMBER, {"tenant_id": tenant_id, "user_id": user_id})).first()
    if row is None:
        raise Unauthenticated("unknown user, or access revoked")
    return _principal(row, tenant_id, user_id=user_id)


async def api_key_principal(sessions: async_sessionmaker[AsyncSession], token: str) -> Principal:
    parsed = parse_api_key(token)
    if parsed is None:
        raise Unauthenticated("malformed API key")
    key_id, secret = parsed
    async with tenant_session(sessions, Principal.authn(None, api_key_id=key_id), read_only=True) as s:
        tenant_id = (await s.execute(KEY_TENANT, {"key_id": key_id})).scalar()
        if tenant_id is None:
            raise Unauthenticated("unknown API key")
        await s.execute(SET_IDENTITY, identity_params(Principal.authn(tenant_id, api_key_id=key_id)))
        row = (await s.execute(KEY, {"tenant_id": tenant_id, "key_id": key_id})).first()
    if row is None or not same_digest(secret, row.secret_hash):
        raise Unauthenticated("unknown, revoked or expired API key")
    return _principal(row, tenant_id, api_key_id=key_id)


async def touch_api_key(sessions: async_sessionmaker[AsyncSession], tenant_id: uuid.UUID, key_id: str) -> None:
    """Record use at most once a minute, in a transaction of its own."""
    async with tenant_session(sessions, Principal.authn(tenant_id, api_key_id=key_id)) as s:
        await s.execute(TOUCH_KEY, {"tenant_id": tenant_id, "key_id": key_id})


async def platform_principal(sessions: async_sessionmaker[AsyncSession], admin_id: uuid.UUID) -> Principal:
    async with tenant_session(sessions, Principal.authn(None, user_id=admin_id), read_only=True) as s:
        found = (await s.execute(ADMIN, {"id": admin_id})).scalar()
    if not found:
        raise Unauthenticated("unknown platform admin")
    return Principal.platform(admin_id)

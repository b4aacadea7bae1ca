"""Signing in by name: the units of work behind the public sign-in and invitation operations.

Both name the tenant by slug (`tenants.platform.provisioning.find_tenant`), then act as the tenant's
`system` principal, since the caller has no identity yet: the password or the one-time token is the
credential. Every failure to identify the caller is the same `UNAUTHENTICATED`, so nothing is revealed.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.principal import Principal
from tenants.database import tenant_session
from tenants.errors import Forbidden, Unauthenticated
from tenants.identity import users
from tenants.identity.models import User
from tenants.platform.provisioning import find_tenant


async def _active_tenant(sessions: async_sessionmaker[AsyncSession], slug: str) -> uuid.UUID:
    found = await find_tenant(sessions, slug)
    if found is None:
        raise Unauthenticated("wrong email or password")
    if found.status != "active":
        raise Forbidden("this tenant is suspended")
    return found.id


async def sign_in(sessions: async_sessionmaker[AsyncSession], slug: str, email: str, password: str) -> User:
    tenant_id = await _active_tenant(sessions, slug)
    async with tenant_session(sessions, Principal.system(tenant_id)) as session:
        return await users.verify_sign_in(session, email, password)


async def accept_invitation(sessions: async_sessionmaker[AsyncSession], slug: str, token: str, password: str) -> User:
    tenant_id = await _active_tenant(sessions, slug)
    system = Principal.system(tenant_id)
    async with tenant_session(sessions, system) as session:
        return await users.accept_invitation(session, system, token, password)

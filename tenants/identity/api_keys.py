"""API keys: issued once (the secret is shown only then), listed by prefix, revoked at once."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Audience, Principal
from authz.roles import validate_roles
from tenants.audit.log import record, snapshot
from tenants.base import new_id
from tenants.errors import BadInput, NotFound
from tenants.identity.credentials import digest, issue_api_key
from tenants.identity.models import ApiKey
from tenants.platform.models import ApiKeyIndex


@dataclass(frozen=True)
class IssuedApiKey:
    key: ApiKey
    token: str


async def create_api_key(
    session: AsyncSession,
    principal: Principal,
    *,
    name: str,
    audience: str,
    roles: list[str],
    partner_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    expires_at: dt.datetime | None = None,
) -> IssuedApiKey:
    """A key for an integration. Partners may only issue keys for their own partner."""
    if principal.audience is Audience.PARTNER:
        if audience != "partner" or partner_id not in (None, principal.partner_id):
            raise BadInput("partner users issue keys for their own partner only", field="audience")
        partner_id = principal.partner_id
    if audience not in ("vendor", "partner", "customer"):
        raise BadInput("audience must be vendor, partner or customer", field="audience")
    if (audience == "partner") != (partner_id is not None) or (audience == "customer") != (customer_id is not None):
        raise BadInput("partner keys need a partner, customer keys a customer", field="audience")
    try:
        checked = sorted(validate_roles(Audience(audience), frozenset(roles)))
    except ValueError as error:
        raise BadInput(str(error), field="roles") from None
    if not checked:
        raise BadInput("at least one role", field="roles")
    if not name.strip():
        raise BadInput("name must not be empty", field="name")
    if expires_at is not None and expires_at <= dt.datetime.now(dt.UTC):
        raise BadInput("expiry must be in the future", field="expiresAt")
    issued = issue_api_key()
    key = ApiKey(
        id=new_id(),
        tenant_id=principal.tenant_id,
        key_id=issued.key_id,
        name=name.strip(),
        secret_hash=digest(issued.secret),
        audience=audience,
        roles=checked,
        partner_id=partner_id,
        customer_id=customer_id,
        created_by=principal.user_id,
        expires_at=expires_at,
    )
    session.add(key)
    session.add(ApiKeyIndex(key_id=issued.key_id, tenant_id=principal.tenant_id))
    await session.flush()
    await record(session, principal, "api_key.create", "ApiKey", key.id, after=snapshot(key))
    return IssuedApiKey(key=key, token=issued.token)


async def revoke_api_key(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> ApiKey:
    key = await session.get(ApiKey, (principal.tenant_id, key_id))
    if key is None:
        raise NotFound("no such API key")
    if key.revoked_at is None:
        before = snapshot(key)
        key.revoked_at = func.now()
        await session.flush()
        await session.refresh(key)
        await session.execute(delete(ApiKeyIndex).where(ApiKeyIndex.key_id == key.key_id))
        await record(session, principal, "api_key.revoke", "ApiKey", key.id, before=before, after=snapshot(key))
    return key


async def list_api_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.execute(select(ApiKey).order_by(ApiKey.created_at))).scalars())

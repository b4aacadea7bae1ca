"""Provisioning and running tenants, as the platform principal.

Provisioning is one transaction: the tenant, its default pipeline, its authorization state (the
shared default policies apply at policy version 1; a tenant's own lines come later) and its first
admin user with a one-time invitation.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.principal import Audience, Principal
from tenants.audit.log import snapshot
from tenants.database import acting_for, tenant_session
from tenants.deals.pipeline import default_stages
from tenants.errors import BadInput, Conflict, Forbidden, NotFound
from tenants.filters import Criterion, Listing
from tenants.identity.users import create_member, invite
from tenants.pagination import SortKey
from tenants.platform.models import PlatformAudit, Tenant
from tenants.text_search import contains

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
STATUSES = ("active", "suspended")


@dataclass(frozen=True)
class Provisioned:
    tenant: Tenant
    admin_user_id: uuid.UUID
    invitation_token: str


def _require_platform(principal: Principal) -> None:
    if principal.audience is not Audience.PLATFORM:
        raise Forbidden("platform operations need a platform principal")


async def provision_tenant(
    session: AsyncSession,
    principal: Principal,
    *,
    slug: str,
    name: str,
    admin_email: str,
    admin_name: str,
    plan: str = "standard",
    time_zone: str = "UTC",
    default_currency: str = "USD",
) -> Provisioned:
    _require_platform(principal)
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise BadInput("slug: 2-63 lowercase letters, digits or hyphens, not starting with a hyphen", field="slug")
    if not name.strip():
        raise BadInput("name must not be empty", field="name")
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"unknown time zone {time_zone!r}", field="timeZone") from None
    if not re.fullmatch(r"[A-Z]{3}", default_currency):
        raise BadInput("default currency must be an ISO 4217 code such as USD", field="defaultCurrency")
    if (await session.execute(select(Tenant.id).where(Tenant.slug == slug))).first():
        raise Conflict(f"a tenant with slug {slug!r} exists", field="slug")
    tenant = Tenant(slug=slug, name=name.strip(), plan=plan, time_zone=time_zone, default_currency=default_currency)
    session.add(tenant)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"a tenant with slug {slug!r} exists", field="slug") from None
    await _platform_audit(session, principal, "tenant.provision", tenant)
    async with acting_for(session, principal, tenant.id, "provision"):
        session.add_all(default_stages(tenant.id))
        system = Principal.system(tenant.id)
        user = await create_member(
            session, system, email=admin_email, name=admin_name, audience="vendor", roles=["owner"]
        )
        token = await invite(session, system, user)
        await session.flush()
    return Provisioned(tenant=tenant, admin_user_id=user.id, invitation_token=token)


async def set_tenant_status(session: AsyncSession, principal: Principal, tenant_id: uuid.UUID, status: str) -> Tenant:
    """Suspend or reactivate. Nothing is deleted; a suspended tenant's users and keys are refused."""
    _require_platform(principal)
    if status not in STATUSES:
        raise BadInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    tenant = await get_tenant(session, principal, tenant_id)
    if tenant.status != status:
        before = snapshot(tenant)
        tenant.status = status
        await session.flush()
        await _platform_audit(session, principal, f"tenant.{status}", tenant, before=before)
    return tenant


async def get_tenant(session: AsyncSession, principal: Principal, tenant_id: uuid.UUID) -> Tenant:
    _require_platform(principal)
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("no such tenant")
    return tenant


TENANT_ORDER = [SortKey(Tenant.created_at, kind=dt.datetime), SortKey(Tenant.id, kind=uuid.UUID)]
TENANTS = Listing(
    Tenant,
    {
        "status": Criterion(lambda v: Tenant.status == v),
        "search": Criterion(lambda v: or_(Tenant.name.ilike(v), Tenant.slug.ilike(v)), prepare=contains),
    },
    {"CREATED_AT": TENANT_ORDER},
)


async def _platform_audit(
    session: AsyncSession, principal: Principal, action: str, tenant: Tenant, *, before: dict[str, Any] | None = None
) -> None:
    session.add(
        PlatformAudit(
            actor_id=principal.user_id,
            action=action,
            tenant_id=tenant.id,
            detail={"slug": tenant.slug, "before": before, "after": snapshot(tenant)},
        )
    )


@dataclass(frozen=True)
class NamedTenant:
    id: uuid.UUID
    status: str


async def find_tenant(sessions: async_sessionmaker[AsyncSession], slug: str) -> NamedTenant | None:
    """The tenant a slug names (sign-in, the public application form, the command line), before any tenant is
    known: a read of its own through the one definer function that may look across tenants."""
    async with tenant_session(sessions, Principal.anonymous(), read_only=True) as session:
        row = (
            await session.execute(text("select id, status from platform.tenant_for_slug(:slug)"), {"slug": slug})
        ).first()
    return None if row is None or row.id is None else NamedTenant(row.id, row.status)

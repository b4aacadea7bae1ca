"""Reading authorization lines: the shared defaults (platform) and a tenant's own (app)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.audit.models import TenantPolicyRule
from tenants.platform.models import DefaultPolicyRule

PolicyLine = tuple[str, str, str, str, str, str]  # ptype, role, domain, object, action, effect


async def default_lines(session: AsyncSession) -> list[PolicyLine]:
    rows = await session.execute(select(DefaultPolicyRule).order_by(DefaultPolicyRule.id))
    return [(r.ptype, r.role, r.dom, r.obj, r.act, r.eft) for r in rows.scalars()]


async def tenant_lines(session: AsyncSession) -> list[PolicyLine]:
    """The current tenant's own lines (RLS scopes the read to the tenant set on the session)."""
    rows = await session.execute(select(TenantPolicyRule).order_by(TenantPolicyRule.created_at))
    return [("p", r.role, str(r.tenant_id), r.obj, r.act, r.eft) for r in rows.scalars()]

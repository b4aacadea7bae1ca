"""Offering leads to partners: by the tenant's rules (`distribute`), and taking back offers that lapsed.

Run as a vendor or as `system`: both see every partner and assignment of the tenant, which the capacity
count needs. Capacity holds under concurrency: the lead row is locked, and a transaction-scoped advisory
lock per tenant serialises "count open leads, then offer" so two leads offered at once cannot both take
a partner's last free place. The partial unique index on live assignments is the database's last word.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants import records
from tenants.deals.models import Deal
from tenants.errors import Conflict
from tenants.leads.distribution import DEFAULT_CAPACITY, DEFAULT_WEIGHT, Candidate, choose
from tenants.leads.models import REFUSED, Lead, LeadAssignment, LeadTierRule
from tenants.outbox.events import emit
from tenants.partners.models import Partner
from tenants.platform.models import Tenant

LOCK = text("select pg_advisory_xact_lock(hashtextextended('channelgraph.leads:' || :tenant, 0))")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def lock_lead(session: AsyncSession, lead_id: uuid.UUID) -> Lead:
    return await records.lock_for_change(session, Lead, lead_id, None, label="lead")


async def refused_by(session: AsyncSession, lead_id: uuid.UUID) -> set[uuid.UUID]:
    """Partners that declined the lead or let an offer of it lapse."""
    stmt = select(LeadAssignment.partner_id).where(
        LeadAssignment.lead_id == lead_id, LeadAssignment.status.in_(REFUSED)
    )
    return set((await session.execute(stmt)).scalars())


async def candidates(session: AsyncSession, territory: str | None) -> list[Candidate]:
    """Active partners (of the lead's territory) with their tier's rule, open leads and last offer.

    A partner's open leads: offers awaiting an answer, and accepted leads whose deal is still open.
    """
    partners = select(Partner.id, Partner.territory, Partner.tier).where(
        Partner.status == "active", Partner.archived_at.is_(None)
    )
    if territory is not None and territory.strip():
        partners = partners.where(func.lower(func.btrim(Partner.territory)) == territory.strip().lower())
    found = (await session.execute(partners)).all()
    if not found:
        return []
    ids = [row.id for row in found]
    rules = {r.tier: r for r in (await session.execute(select(LeadTierRule))).scalars()}
    working = and_(LeadAssignment.status == "accepted", or_(Lead.deal_id.is_(None), Deal.status == "open"))
    open_rows = await session.execute(
        select(LeadAssignment.partner_id, func.count())
        .join(Lead, (Lead.tenant_id == LeadAssignment.tenant_id) & (Lead.id == LeadAssignment.lead_id))
        .outerjoin(Deal, (Deal.tenant_id == Lead.tenant_id) & (Deal.id == Lead.deal_id))
        .where(LeadAssignment.partner_id.in_(ids), or_(LeadAssignment.status == "offered", working))
        .group_by(LeadAssignment.partner_id)
    )
    open_leads = dict(open_rows.all())
    last_rows = await session.execute(
        select(LeadAssignment.partner_id, func.max(LeadAssignment.assigned_at))
        .where(LeadAssignment.partner_id.in_(ids))
        .group_by(LeadAssignment.partner_id)
    )
    last = dict(last_rows.all())
    out = []
    for row in found:
        rule = rules.get(row.tier or "")
        out.append(
            Candidate(
                partner_id=row.id,
                territory=row.territory,
                weight=rule.weight if rule else DEFAULT_WEIGHT,
                capacity=rule.capacity if rule else DEFAULT_CAPACITY,
                open_leads=open_leads.get(row.id, 0),
                last_assigned_at=last.get(row.id),
            )
        )
    return out


async def offer(
    session: AsyncSession,
    principal: Principal,
    lead: Lead,
    partner_id: uuid.UUID,
    *,
    method: str,
    now: dt.datetime,
) -> LeadAssignment:
    """Offer a pool lead to one partner, with an answer due within the tenant's SLA."""
    hours = (await session.execute(select(Tenant.lead_sla_hours))).scalar_one()
    assignment = LeadAssignment(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        lead_id=lead.id,
        partner_id=partner_id,
        method=method,
        assigned_by=principal.user_id,
        assigned_at=now,
        accept_by=now + dt.timedelta(hours=hours),
    )
    await records.create(session, principal, assignment, action="lead.offer")
    await records.change(
        session, principal, lead, {"status": "offered", "partner_id": partner_id}, action="lead.assign"
    )
    payload = {"partner_id": str(partner_id), "accept_by": assignment.accept_by.isoformat(), "method": method}
    emit(session, principal, "lead.assigned", "Lead", lead.id, payload)
    return assignment


async def distribute(
    session: AsyncSession, principal: Principal, lead_id: uuid.UUID, *, now: dt.datetime | None = None
) -> LeadAssignment | None:
    """Offer a pool lead to the partner the rules choose; None (the lead stays in the pool) if none may take it."""
    now = now or utcnow()
    lead = await lock_lead(session, lead_id)
    if lead.archived_at is not None:
        raise Conflict("this lead is archived", field="id")
    if lead.status != "pool":
        raise Conflict(f"this lead is {lead.status}, not in the pool", field="id")
    await session.execute(LOCK, {"tenant": str(principal.tenant_id)})
    chosen = choose(await candidates(session, lead.territory), lead.territory, await refused_by(session, lead.id))
    if chosen is None:
        return None
    return await offer(session, principal, lead, chosen, method="rule", now=now)


async def take_back(
    session: AsyncSession, principal: Principal, lead: Lead, assignment: LeadAssignment, status: str, now: dt.datetime
) -> None:
    """End a live offer (`declined`, `expired` or `withdrawn`) and return the lead to the pool."""
    assignment.status = status
    assignment.responded_at = now if status == "declined" else None
    await session.flush()
    await records.change(session, principal, lead, {"status": "pool", "partner_id": None}, action=f"lead.{status}")


async def live_assignment(session: AsyncSession, lead_id: uuid.UUID) -> LeadAssignment | None:
    stmt = (
        select(LeadAssignment)
        .where(LeadAssignment.lead_id == lead_id, LeadAssignment.status.in_(("offered", "accepted")))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def return_overdue_leads(
    session: AsyncSession, now: dt.datetime, principal: Principal | None = None
) -> list[uuid.UUID]:
    """Take back every offer whose answer is overdue at `now` and offer each lead to the next partner.

    Run per tenant as `system` (the scheduler's session). Idempotent: an offer taken back is no longer
    overdue, and the next offer is due `lead_sla_hours` after `now`. Returns the leads taken back.
    """
    if principal is None:
        tenant = (await session.execute(text("select current_setting('app.tenant_id')"))).scalar_one()
        principal = Principal.system(uuid.UUID(tenant))
    overdue = await session.execute(
        select(LeadAssignment.lead_id)
        .where(LeadAssignment.status == "offered", LeadAssignment.accept_by <= now)
        .order_by(LeadAssignment.accept_by, LeadAssignment.id)
    )
    returned = []
    for lead_id in overdue.scalars().all():
        lead = await lock_lead(session, lead_id)
        assignment = await live_assignment(session, lead_id)
        if assignment is None or assignment.status != "offered" or assignment.accept_by > now:
            continue  # answered or taken back meanwhile
        await take_back(session, principal, lead, assignment, "expired", now)
        emit(
            session,
            principal,
            "lead.returned",
            "Lead",
            lead.id,
            {"partner_id": str(assignment.partner_id), "reason": "expired"},
        )
        returned.append(lead.id)
        await distribute(session, principal, lead.id, now=now)
    return returned

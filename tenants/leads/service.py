"""Leads: creating them (with their contact), listing, assigning by hand, tier rules, and a partner's
answer to an offer: declining moves the lead on; accepting converts it into a customer, a contact and a
partner-sourced deal owned by the partner. Vendors edit a lead until it converts, and archive it: an open
offer is withdrawn first (`lead.returned`, reason `archived`), and an archived lead is never offered again.

Partners write nothing in the lead tables directly (their row policies say so): their answer is applied
in a `system` step after the offer was read *as the partner*, so a lead that is not theirs is NOT_FOUND.
The customer, contact and deal of a conversion are created as the partner, under its own row policies;
the contact details are read as the partner too, after acceptance, exactly as the database allows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Audience, Principal
from tenants import records
from tenants.customers.service import create_contact, create_customer
from tenants.database import system_step
from tenants.deals.service import create_deal
from tenants.errors import BadInput, Conflict, NotFound
from tenants.filters import Criterion, Listing
from tenants.leads.assignment import distribute, live_assignment, lock_lead, offer, refused_by, take_back, utcnow
from tenants.leads.models import Lead, LeadAssignment, LeadContact, LeadTierRule
from tenants.outbox.events import emit
from tenants.pagination import SortKey
from tenants.partners.models import Partner
from tenants.text_search import normalise_domain

ORDER = [SortKey(Lead.created_at, descending=True, kind=dt.datetime), SortKey(Lead.id, kind=uuid.UUID)]
ASSIGNMENT_ORDER = [
    SortKey(LeadAssignment.assigned_at, descending=True, kind=dt.datetime),
    SortKey(LeadAssignment.id, kind=uuid.UUID),
]
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "title")


LEADS = Listing(
    Lead,
    {
        "status": Criterion(lambda v: Lead.status == v),
        "partner_id": Criterion(lambda v: Lead.partner_id == v),
        "territory": Criterion(lambda v: Lead.territory == v),
    },
    {"CREATED_AT": ORDER},
)


async def create_lead(
    session: AsyncSession,
    principal: Principal,
    fields: dict[str, Any],
    contact: dict[str, Any],
    *,
    distribute_now: bool = True,
    now: dt.datetime | None = None,
) -> Lead:
    """A vendor lead and its contact, offered at once to the partner the rules choose (unless asked not to)."""
    fields = dict(fields)
    for name in ("company_name", "source"):
        if not (fields.get(name) or "").strip():
            raise BadInput(f"{name.replace('_', ' ')} must not be empty", field=name)
        fields[name] = fields[name].strip()
    if not (contact.get("first_name") or "").strip():
        raise BadInput("the contact's first name must not be empty", field="contact.firstName")
    if fields.get("company_domain"):
        fields["company_domain"] = normalise_domain(fields["company_domain"])
    lead = Lead(id=uuid.uuid4(), tenant_id=principal.tenant_id, created_by=principal.user_id, **fields)
    await records.create(session, principal, lead, action="lead.create")
    person = {k: v for k, v in contact.items() if k in CONTACT_FIELDS and v is not None}
    session.add(LeadContact(id=uuid.uuid4(), tenant_id=principal.tenant_id, lead_id=lead.id, **person))
    await session.flush()
    if distribute_now:
        await distribute(session, principal, lead.id, now=now)
    return lead


async def assign_lead(
    session: AsyncSession,
    principal: Principal,
    lead_id: uuid.UUID,
    partner_id: uuid.UUID,
    *,
    now: dt.datetime | None = None,
) -> Lead:
    """A vendor's choice: offer the lead to `partner_id`, taking it back from whoever holds the offer."""
    now = now or utcnow()
    lead = await lock_lead(session, lead_id)
    partner = await records.load(session, Partner, partner_id, label="partner")
    if partner.status != "active" or partner.archived_at is not None:
        raise Conflict("leads go to active partners only", field="partnerId")
    if lead.archived_at is not None:
        raise Conflict("this lead is archived", field="id")
    if lead.status == "converted":
        raise Conflict("this lead is already converted", field="id")
    if partner_id in await refused_by(session, lead.id):
        raise Conflict("this partner declined this lead (or let it lapse)", field="partnerId")
    current = await live_assignment(session, lead.id)
    if current is not None:
        if current.partner_id == partner_id:
            return lead
        await take_back(session, principal, lead, current, "withdrawn", now)
        payload = {"partner_id": str(current.partner_id), "reason": "withdrawn"}
        emit(session, principal, "lead.returned", "Lead", lead.id, payload)
    await offer(session, principal, lead, partner_id, method="manual", now=now)
    return lead


EDITABLE = ("company_name", "company_domain", "territory", "need", "source")


async def update_lead(
    session: AsyncSession, principal: Principal, lead_id: uuid.UUID, version: int, changes: dict[str, Any]
) -> Lead:
    """Correct what a lead says (its company, territory, need, source) while it is not yet converted."""
    changes = dict(changes)
    if changes.keys() - set(EDITABLE):
        raise BadInput(f"unknown fields: {', '.join(sorted(changes.keys() - set(EDITABLE)))}", field="input")
    for name in ("company_name", "source"):
        if name in changes:
            if not (changes[name] or "").strip():
                raise BadInput(f"{name.replace('_', ' ')} must not be empty", field=name)
            changes[name] = changes[name].strip()
    if changes.get("company_domain"):
        changes["company_domain"] = normalise_domain(changes["company_domain"])
    lead = await records.lock_for_change(session, Lead, lead_id, version, label="lead")
    if lead.archived_at is not None or lead.status == "converted":
        raise Conflict(f"this lead is {'archived' if lead.archived_at else 'converted'}", field="id")
    return await records.change(session, principal, lead, changes, action="lead.update")


async def archive_lead(
    session: AsyncSession, principal: Principal, lead_id: uuid.UUID, version: int, *, now: dt.datetime | None = None
) -> Lead:
    """Archive a lead; an offer still awaiting an answer is withdrawn first. Archiving it again changes nothing."""
    lead = await records.lock_for_change(session, Lead, lead_id, version, label="lead")
    if lead.archived_at is not None:
        return lead
    current = await live_assignment(session, lead.id) if lead.status == "offered" else None
    if current is not None:
        await take_back(session, principal, lead, current, "withdrawn", now or utcnow())
        payload = {"partner_id": str(current.partner_id), "reason": "archived"}
        emit(session, principal, "lead.returned", "Lead", lead.id, payload)
    return await records.archive(session, principal, Lead, lead.id, None, label="lead")


async def distribute_lead(
    session: AsyncSession, principal: Principal, lead_id: uuid.UUID, *, now: dt.datetime | None = None
) -> Lead:
    """Offer a pool lead by the rules; it stays in the pool if no partner may take it now."""
    await distribute(session, principal, lead_id, now=now)
    return await records.load(session, Lead, lead_id, label="lead")


async def tier_rules(session: AsyncSession) -> list[LeadTierRule]:
    return list((await session.execute(select(LeadTierRule).order_by(LeadTierRule.tier))).scalars())


async def set_tier_rule(
    session: AsyncSession, principal: Principal, tier: str, weight: int, capacity: int
) -> LeadTierRule:
    if not tier.strip():
        raise BadInput("tier must not be empty", field="tier")
    if not 1 <= weight <= 1000:
        raise BadInput("weight is between 1 and 1000", field="weight")
    if not 0 <= capacity <= 100000:
        raise BadInput("capacity is between 0 and 100000", field="capacity")
    rule = (await session.execute(select(LeadTierRule).where(LeadTierRule.tier == tier.strip()))).scalar_one_or_none()
    if rule is None:
        rule = LeadTierRule(
            id=uuid.uuid4(), tenant_id=principal.tenant_id, tier=tier.strip(), weight=weight, capacity=capacity
        )
        return await records.create(session, principal, rule, action="lead_tier_rule.create")
    rule.weight, rule.capacity = weight, capacity
    await session.flush()
    return rule


async def _offer_to_caller(session: AsyncSession, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """The lead, read as the partner: someone else's lead (or none) is NOT_FOUND."""
    if principal.audience is not Audience.PARTNER:
        raise BadInput("only the partner a lead is offered to answers the offer", field="id")
    lead = await records.load(session, Lead, lead_id, label="lead")
    if lead.partner_id != principal.partner_id:
        raise NotFound("no such lead")
    if lead.status != "offered":
        raise Conflict(f"this lead is already {lead.status}", field="id")
    return lead


async def _locked_offer(session: AsyncSession, principal: Principal, lead_id: uuid.UUID) -> tuple[Lead, LeadAssignment]:
    """Inside the system step: the lead and the caller's live offer, locked, or CONFLICT if it changed."""
    lead = await lock_lead(session, lead_id)
    assignment = await live_assignment(session, lead_id)
    if lead.status != "offered" or assignment is None or assignment.partner_id != principal.partner_id:
        raise Conflict("this offer is no longer open", field="id")
    return lead, assignment


async def decline_lead(
    session: AsyncSession,
    principal: Principal,
    lead_id: uuid.UUID,
    reason: str | None,
    *,
    now: dt.datetime | None = None,
) -> uuid.UUID:
    """Decline an offer: this partner never gets the lead again, and it goes to the next partner."""
    now = now or utcnow()
    await _offer_to_caller(session, principal, lead_id)
    async with system_step(session, principal):
        lead, assignment = await _locked_offer(session, principal, lead_id)
        assignment.decline_reason = (reason or "").strip() or None
        await take_back(session, principal, lead, assignment, "declined", now)
        emit(session, principal, "lead.declined", "Lead", lead.id, {"partner_id": str(assignment.partner_id)})
        await distribute(session, Principal.system(principal.require_tenant()), lead.id, now=now)
    return lead_id


async def accept_lead(
    session: AsyncSession, principal: Principal, lead_id: uuid.UUID, *, now: dt.datetime | None = None
) -> Lead:
    """Accept an offer within its SLA; the lead converts into a customer, contact and partner-sourced deal."""
    now = now or utcnow()
    await _offer_to_caller(session, principal, lead_id)
    async with system_step(session, principal):
        lead, assignment = await _locked_offer(session, principal, lead_id)
        if assignment.accept_by < now:
            raise Conflict("the time to accept this lead has passed", field="id")
        assignment.status, assignment.responded_at = "accepted", now
        await session.flush()
        emit(session, principal, "lead.accepted", "Lead", lead.id, {"partner_id": str(assignment.partner_id)})
    # As the partner again: its accepted assignment now lets it read the contact and create its records.
    person = (await session.execute(select(LeadContact).where(LeadContact.lead_id == lead_id))).scalar_one()
    customer = await create_customer(session, principal, {"name": lead.company_name, "domain": lead.company_domain})
    contact = await create_contact(
        session,
        principal,
        {"customer_id": customer.id} | {name: getattr(person, name) for name in CONTACT_FIELDS},
    )
    title = f"{lead.company_name}: {lead.need}" if lead.need else lead.company_name
    deal = await create_deal(session, principal, {"title": title[:200], "customer_id": customer.id})
    async with system_step(session, principal):
        changes = {"status": "converted", "customer_id": customer.id, "contact_id": contact.id, "deal_id": deal.id}
        await records.change(session, principal, lead, changes, action="lead.convert")
        ids = {"customer_id": str(customer.id), "contact_id": str(contact.id), "deal_id": str(deal.id)}
        emit(session, principal, "lead.converted", "Lead", lead.id, ids)
    return lead

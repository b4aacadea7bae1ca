"""Approval: the channel team accepts a registration while no other partner's conflicting one is
protected, links or creates the customer, opens a partner-sourced deal for the registering partner,
and starts the protection window (the tenant's `protection_days`).

The race between conflicting approvals is settled in the database: an advisory transaction lock serialises
the tenant's submissions and approvals (see `conflicts.lock_customer`), the check runs after the lock on
fresh rows, and a partial unique index allows one approved registration per registrable domain.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants import records
from tenants.customers.models import Contact, Customer
from tenants.customers.service import create_contact, create_customer
from tenants.deals.service import create_deal
from tenants.errors import Conflict
from tenants.outbox.events import emit
from tenants.registrations import conflicts
from tenants.registrations.expiry import close_protection
from tenants.registrations.models import Registration
from tenants.registrations.service import channel_team, protection_days, utcnow


async def _customer_for(session: AsyncSession, principal: Principal, registration: Registration) -> Customer:
    """The customer with the registration's registrable domain, or a new one for the registering partner."""
    if registration.domain_key:
        existing = (
            await session.execute(
                select(Customer)
                .where(Customer.domain_key == registration.domain_key, Customer.archived_at.is_(None))
                .order_by(Customer.created_at, Customer.id)
                .limit(1)
            )
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    fields = {"name": registration.company_name, "partner_id": registration.partner_id}
    if registration.company_domain:
        fields["domain"] = registration.company_domain
    return await create_customer(session, principal, fields)


async def _add_contact(
    session: AsyncSession, principal: Principal, registration: Registration, customer_id: uuid.UUID
) -> None:
    email = (registration.contact_email or "").strip()
    if not email:
        return
    known = await session.execute(
        select(Contact.id).where(Contact.customer_id == customer_id, func.lower(Contact.email) == email.lower())
    )
    if known.first() is None:
        first, _, last = (registration.contact_name or email.split("@")[0]).strip().partition(" ")
        fields = {"customer_id": customer_id, "first_name": first, "last_name": last, "email": email}
        await create_contact(session, principal, fields | {"phone": registration.contact_phone})


async def approve_registration(
    session: AsyncSession,
    principal: Principal,
    registration_id: uuid.UUID,
    version: int | None,
    *,
    now: dt.datetime | None = None,
) -> Registration:
    """Approve while no other partner's conflicting registration is protected; link or create the customer,
    open a partner-sourced deal for the registering partner, and start the protection window."""
    channel_team(principal)
    now = now or utcnow()
    # The lock first, then the row: approvals of conflicting registrations queue on the same lock before
    # either holds a row the other needs.
    await conflicts.lock_customer(
        session, await records.load(session, Registration, registration_id, label="registration")
    )
    registration = await records.lock_for_change(session, Registration, registration_id, version, label="registration")
    if registration.status != "submitted":
        raise Conflict(f"this registration is {registration.status}; only a submitted one is approved", field="id")
    found = await conflicts.detect(session, registration)
    for f in found:
        if f.kind != "partner_registration":
            continue
        assert f.other_registration_id is not None  # `detect` names the other registration of this kind
        other = await records.load(session, Registration, f.other_registration_id, label="registration")
        if other.status == "approved" and other.protection_end() <= now:
            # Its window has ended and the expiry job has not run yet: expire it now, unless the job did so
            # while this waited for the row (the lock reads it afresh).
            other = await records.lock_for_change(session, Registration, other.id, None, label="registration")
            if other.status == "approved":
                await close_protection(session, principal, other, now)
        elif other.status == "approved":
            raise Conflict(
                f"registration {other.id} of another partner for this customer is approved and protected until"
                f" {other.protection_end().isoformat()}; reject or let it expire first",
                field="id",
            )
    customer = await _customer_for(session, principal, registration)
    await _add_contact(session, principal, registration, customer.id)
    product = registration.product or registration.description
    deal = await create_deal(
        session,
        principal,
        {
            "title": f"{registration.company_name}: {product}" if product else registration.company_name,
            "customer_id": customer.id,
            "partner_id": registration.partner_id,
            "source": "partner_sourced",
            "amount": registration.amount,
            "currency": registration.currency,
            "expected_close_date": registration.expected_close_date,
        },
    )
    changes = {
        "status": "approved",
        "decided_by": principal.user_id,
        "decided_at": now,
        "protection_ends_at": now + dt.timedelta(days=await protection_days(session)),
        "customer_id": customer.id,
        "deal_id": deal.id,
    }
    try:
        await records.change(session, principal, registration, changes, action="registration.approve")
    except IntegrityError as error:
        if "uq_registrations_tenant_id_domain_key_approved" in str(error.orig):
            raise Conflict("another registration for this customer's domain is already approved", field="id") from None
        raise
    await conflicts.record(session, registration, found)
    payload = {"partner_id": str(registration.partner_id), "deal_id": str(deal.id)}
    payload["protection_ends_at"] = registration.protection_end().isoformat()
    emit(session, principal, "registration.approved", "Registration", registration.id, payload)
    return registration

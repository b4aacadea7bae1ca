"""The registration lifecycle: submit (with conflict check), reject, extend, listing (approval: `approval`).

submitted -> approved (protected until `protection_ends_at`) -> won | expired (see `expiry`);
submitted -> rejected. Only the vendor's channel team decides; partners submit and read their own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Audience, Principal
from tenants import records
from tenants.database import system_step
from tenants.errors import BadInput, Conflict, Forbidden
from tenants.filters import Criterion, Listing
from tenants.identity.users import EMAIL
from tenants.matching.domains import registrable_domain
from tenants.matching.keys import company_keys
from tenants.matching.names import name_key
from tenants.money import check_amount, check_currency
from tenants.outbox.events import emit
from tenants.pagination import SortKey
from tenants.partners.models import Partner
from tenants.platform.models import Tenant
from tenants.registrations import conflicts
from tenants.registrations.conflicts import Found
from tenants.registrations.models import Registration

ORDERS = {
    "CREATED_AT": [
        SortKey(Registration.created_at, descending=True, kind=dt.datetime),
        SortKey(Registration.id, kind=uuid.UUID),
    ],
}
SUBMITTED_FIELDS = {
    "company_name",
    "company_domain",
    "contact_name",
    "contact_email",
    "contact_phone",
    "product",
    "description",
    "amount",
    "currency",
    "expected_close_date",
    "partner_id",
}
MAX_DAYS = 3650


REGISTRATIONS = Listing(
    Registration,
    {
        "status": Criterion(lambda v: Registration.status == v),
        "partner_id": Criterion(lambda v: Registration.partner_id == v),
    },
    ORDERS,
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def channel_team(principal: Principal) -> None:
    if principal.audience not in (Audience.VENDOR, Audience.SYSTEM):
        raise Forbidden("only the vendor's channel team decides on registrations")


async def _check(session: AsyncSession, principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
    if fields.keys() - SUBMITTED_FIELDS:
        raise BadInput(f"unknown fields: {', '.join(sorted(fields.keys() - SUBMITTED_FIELDS))}", field="input")
    name = (fields.get("company_name") or "").strip()
    if not name_key(name):
        raise BadInput("the end customer's company name must not be empty", field="companyName")
    fields["company_name"] = name
    domain = (fields.get("company_domain") or "").strip() or None
    if domain is not None and registrable_domain(domain) is None:
        raise BadInput(f"{domain!r} is not a registrable domain", field="companyDomain")
    fields["company_domain"] = domain
    if fields.get("contact_email") and not EMAIL.match(fields["contact_email"].strip()):
        raise BadInput("not an email address", field="contactEmail")
    check_amount(fields.get("amount"))
    check_currency(fields.get("currency"))
    if principal.audience is Audience.PARTNER:
        if fields.get("partner_id") not in (None, principal.partner_id):
            raise BadInput("partners register for themselves", field="partnerId")
        fields["partner_id"] = principal.partner_id
    elif not fields.get("partner_id"):
        raise BadInput("name the partner this registration is for", field="partnerId")
    else:
        await records.load(session, Partner, fields["partner_id"], label="partner")
    if not fields.get("currency"):
        fields["currency"] = (await session.execute(select(Tenant.default_currency))).scalar_one()
    return fields


async def submit_registration(
    session: AsyncSession, principal: Principal, fields: dict[str, Any]
) -> tuple[Registration, list[Found]]:
    """Record a registration and the conflicts it meets; a partner gets those conflicts redacted."""
    fields = await _check(session, principal, dict(fields))
    registration = Registration(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        status="submitted",
        submitted_by=principal.user_id,
        **company_keys(fields["company_name"], fields["company_domain"]),
        **fields,
    )
    await conflicts.lock_customer(session, registration)
    await records.create(session, principal, registration, action="registration.submit")
    async with system_step(session, principal):
        found = await conflicts.detect(session, registration)
        await conflicts.record(session, registration, found)
    emit(session, principal, "registration.submitted", "Registration", registration.id, {"conflicts": len(found)})
    if principal.audience is Audience.PARTNER:
        found = [f.redacted() for f in found]
    return registration, found


async def protection_days(session: AsyncSession) -> int:
    return (await session.execute(select(Tenant.protection_days))).scalar_one()


async def reject_registration(
    session: AsyncSession, principal: Principal, registration_id: uuid.UUID, version: int | None, reason: str | None
) -> Registration:
    channel_team(principal)
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("a rejection needs a reason", field="reason")
    registration = await records.lock_for_change(session, Registration, registration_id, version, label="registration")
    if registration.status != "submitted":
        raise Conflict(f"this registration is {registration.status}; only a submitted one is rejected", field="id")
    changes = {"status": "rejected", "rejection_reason": reason, "decided_by": principal.user_id}
    await records.change(
        session, principal, registration, changes | {"decided_at": utcnow()}, action="registration.reject"
    )
    emit(session, principal, "registration.rejected", "Registration", registration.id, {"reason": reason})
    return registration


async def extend_registration(
    session: AsyncSession,
    principal: Principal,
    registration_id: uuid.UUID,
    version: int | None,
    days: int | None = None,
    *,
    now: dt.datetime | None = None,
) -> Registration:
    """Push the end of an approved registration's protection by `days` (default: the tenant's window)."""
    channel_team(principal)
    now = now or utcnow()
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise BadInput(f"days must be between 1 and {MAX_DAYS}", field="days")
    registration = await records.lock_for_change(session, Registration, registration_id, version, label="registration")
    if registration.status != "approved" or registration.protection_end() <= now:
        state = "expired" if registration.status == "approved" else registration.status
        raise Conflict(f"this registration is {state}; only a protected one is extended", field="id")
    ends_at = registration.protection_end() + dt.timedelta(days=days or await protection_days(session))
    changes = {"protection_ends_at": ends_at, "extensions": registration.extensions + 1}
    await records.change(session, principal, registration, changes, action="registration.extend")
    emit(
        session,
        principal,
        "registration.extended",
        "Registration",
        registration.id,
        {"protection_ends_at": ends_at.isoformat()},
    )
    return registration

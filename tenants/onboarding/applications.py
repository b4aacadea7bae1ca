"""Partner applications: submitted by the channel team or through the public form, reviewed, then approved
(the partner is created in `onboarding` and its first partner admin invited) or rejected with a reason."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.principal import Principal
from tenants import records
from tenants.database import system_step, tenant_session
from tenants.errors import BadInput, Conflict, Forbidden, NotFound
from tenants.filters import Criterion, Listing
from tenants.identity.models import User
from tenants.identity.users import invite_user, normalise_email
from tenants.onboarding.models import PENDING, PartnerApplication
from tenants.outbox.events import emit
from tenants.pagination import SortKey
from tenants.partners.models import PARTNER_KINDS, Partner
from tenants.partners.service import create_partner
from tenants.platform.models import Tenant
from tenants.platform.provisioning import find_tenant
from tenants.text_search import normalise_domain

ORDER = [
    SortKey(PartnerApplication.created_at, descending=True, kind=dt.datetime),
    SortKey(PartnerApplication.id, kind=uuid.UUID),
]
FIELDS = ("company_name", "domain", "kind", "territory", "contact_name", "contact_email", "contact_phone", "message")
LIMITS = {"company_name": 200, "contact_name": 200, "territory": 100, "contact_phone": 50, "message": 4000}


APPLICATIONS = Listing(
    PartnerApplication,
    {"status": Criterion(lambda v: PartnerApplication.status == v)},
    {"CREATED_AT": ORDER},
)


def _check(fields: dict[str, Any]) -> dict[str, Any]:
    fields = {name: fields[name] for name in FIELDS if fields.get(name) is not None}
    for name in ("company_name", "contact_name"):
        if not (fields.get(name) or "").strip():
            raise BadInput(f"{name.replace('_', ' ')} must not be empty", field=name)
    for name, limit in LIMITS.items():
        if name in fields:
            fields[name] = fields[name].strip()
            if len(fields[name]) > limit:
                raise BadInput(f"{name.replace('_', ' ')}: at most {limit} characters", field=name)
    if fields.get("kind") not in PARTNER_KINDS:
        raise BadInput(f"kind must be one of {', '.join(PARTNER_KINDS)}", field="kind")
    try:
        fields["contact_email"] = normalise_email(fields.get("contact_email") or "")
    except BadInput:
        raise BadInput("not an email address", field="contactEmail") from None
    fields["domain"] = normalise_domain(fields.get("domain"))
    return fields


async def submit_application(
    session: AsyncSession, principal: Principal, fields: dict[str, Any], *, origin: str = "team"
) -> PartnerApplication:
    """A new application in `applied`. The public form (`origin="public"`) runs as the tenant's `system`."""
    if origin == "public":
        open_ = (await session.execute(select(Tenant.public_applications))).scalar_one()
        if not open_:
            raise Forbidden("this vendor does not take partner applications online")
    row = PartnerApplication(
        id=uuid.uuid4(), tenant_id=principal.tenant_id, origin=origin, submitted_by=principal.user_id, **_check(fields)
    )
    try:
        await records.create(session, principal, row, action="partner_application.submit")
    except IntegrityError as error:
        if "uq_partner_applications_tenant_id_domain_pending" in str(error.orig):
            raise Conflict("an application for this domain is already under review", field="domain") from None
        raise
    emit(session, principal, "partner_application.submitted", "PartnerApplication", row.id, {"origin": origin})
    return row


async def _pending(session: AsyncSession, id_: uuid.UUID, version: int | None) -> PartnerApplication:
    row = await records.lock_for_change(session, PartnerApplication, id_, version, label="partner application")
    if row.status not in PENDING:
        raise Conflict(f"this application is already {row.status}", field="id")
    return row


async def start_review(
    session: AsyncSession, principal: Principal, id_: uuid.UUID, version: int | None
) -> PartnerApplication:
    row = await _pending(session, id_, version)
    if row.status == "in_review":
        return row
    changes = {"status": "in_review", "reviewed_by": principal.user_id}
    return await records.change(session, principal, row, changes, action="partner_application.review")


async def reject_application(
    session: AsyncSession, principal: Principal, id_: uuid.UUID, version: int | None, reason: str
) -> PartnerApplication:
    if not (reason or "").strip():
        raise BadInput("a rejection needs a reason", field="reason")
    row = await _pending(session, id_, version)
    changes = {
        "status": "rejected",
        "rejection_reason": reason.strip(),
        "reviewed_by": principal.user_id,
        "decided_at": dt.datetime.now(dt.UTC),
    }
    await records.change(session, principal, row, changes, action="partner_application.reject")
    emit(session, principal, "partner_application.rejected", "PartnerApplication", row.id, {"reason": reason.strip()})
    return row


async def approve_application(
    session: AsyncSession, principal: Principal, id_: uuid.UUID, version: int | None, *, tier: str | None = None
) -> tuple[PartnerApplication, Partner, User, str]:
    """Create the partner in `onboarding` and invite the applicant's contact as its first partner admin.

    Returns the application, the partner, the invited user and the one-time invitation token. The partner
    becomes `active` when its admin accepts the current partner agreement.
    """
    row = await _pending(session, id_, version)
    partner = await create_partner(
        session,
        principal,
        {
            "name": row.company_name,
            "kind": row.kind,
            "territory": row.territory,
            "domain": row.domain,
            "tier": tier,
            "status": "onboarding",
        },
    )
    system = Principal.system(principal.require_tenant())
    async with system_step(session, principal):
        user, token = await invite_user(
            session,
            system,
            email=row.contact_email,
            name=row.contact_name,
            audience="partner",
            roles=["partner_admin"],
            partner_id=partner.id,
        )
    changes = {
        "status": "approved",
        "partner_id": partner.id,
        "reviewed_by": principal.user_id,
        "decided_at": dt.datetime.now(dt.UTC),
    }
    await records.change(session, principal, row, changes, action="partner_application.approve")
    payload = {"partner_id": str(partner.id), "admin_user_id": str(user.id)}
    emit(session, principal, "partner_application.approved", "PartnerApplication", row.id, payload)
    return row, partner, user, token


async def apply_publicly(sessions: async_sessionmaker[AsyncSession], slug: str, fields: dict[str, Any]) -> None:
    """The public application form of the tenant a slug names: accepted while the tenant is active and takes
    applications; submitted as the tenant's `system` principal, since the applicant has no identity."""
    found = await find_tenant(sessions, slug)
    if found is None:
        raise NotFound("no such vendor")
    if found.status != "active":
        raise Forbidden("this vendor does not take partner applications now")
    system = Principal.system(found.id)
    async with tenant_session(sessions, system) as session:
        await submit_application(session, system, fields, origin="public")

"""The tenant's partner agreement: versioned text, and who accepted which version for which partner, when.

Accepting the current version is the last onboarding step: a partner in `onboarding` becomes `active`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Audience, Principal
from tenants import records
from tenants.database import system_step
from tenants.errors import BadInput, Conflict, Forbidden
from tenants.onboarding.models import AgreementAcceptance, PartnerAgreement
from tenants.outbox.events import emit
from tenants.partners.models import Partner


async def current_agreement(session: AsyncSession) -> PartnerAgreement | None:
    stmt = select(PartnerAgreement).order_by(PartnerAgreement.version.desc()).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def publish_agreement(session: AsyncSession, principal: Principal, title: str, body: str) -> PartnerAgreement:
    """A new version, which becomes the current one; partners accept it from now on."""
    if not title.strip():
        raise BadInput("title must not be empty", field="title")
    if not body.strip():
        raise BadInput("the agreement's text must not be empty", field="body")
    latest = (await session.execute(select(func.max(PartnerAgreement.version)))).scalar_one()
    row = PartnerAgreement(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        version=(latest or 0) + 1,
        title=title.strip(),
        body=body,
        published_by=principal.user_id,
    )
    try:
        return await records.create(session, principal, row, action="agreement.publish")
    except IntegrityError:
        raise Conflict("another version was published at the same time; reload and retry") from None


async def acceptances(session: AsyncSession, partner_id: uuid.UUID | None = None) -> list[AgreementAcceptance]:
    """Acceptances the caller may see (a partner: its own), newest first."""
    stmt = select(AgreementAcceptance).order_by(AgreementAcceptance.accepted_at.desc(), AgreementAcceptance.id)
    if partner_id is not None:
        stmt = stmt.where(AgreementAcceptance.partner_id == partner_id)
    return list((await session.execute(stmt)).scalars())


async def accept_agreement(
    session: AsyncSession, principal: Principal, version: int
) -> tuple[AgreementAcceptance, Partner]:
    """The partner admin accepts `version`, which must be the current one. Idempotent per version."""
    # (A partner principal always has its partner id; checked here so the type says so too.)
    if principal.audience is not Audience.PARTNER or principal.user_id is None or principal.partner_id is None:
        # A person signs: the same rule for every credential of the partner, so its API keys are refused
        # (FORBIDDEN, like a rep), whatever their roles.
        raise Forbidden("a partner admin accepts the agreement, signed in as a user")
    current = await current_agreement(session)
    if current is None:
        raise Conflict("there is no partner agreement to accept yet")
    if current.version != version:
        raise Conflict(f"version {version} is not the current agreement (version {current.version})", field="version")
    stmt = select(AgreementAcceptance).where(
        AgreementAcceptance.partner_id == principal.partner_id, AgreementAcceptance.agreement_id == current.id
    )
    acceptance = (await session.execute(stmt)).scalar_one_or_none()
    if acceptance is None:
        acceptance = AgreementAcceptance(
            id=uuid.uuid4(),
            tenant_id=principal.tenant_id,
            agreement_id=current.id,
            partner_id=principal.partner_id,
            user_id=principal.user_id,
        )
        await records.create(session, principal, acceptance, action="agreement.accept")
    partner = await records.load(session, Partner, principal.partner_id, label="partner")
    if partner.status == "onboarding":
        # A partner may not set its own status; accepting the agreement is what makes it active.
        async with system_step(session, principal):
            partner = await records.lock_for_change(session, Partner, partner.id, None, label="partner")
            await records.change(session, principal, partner, {"status": "active"}, action="partner.activate")
            payload = {"from": "onboarding", "to": "active"}
            emit(session, principal, "partner.status_changed", "Partner", partner.id, payload)
    return acceptance, partner

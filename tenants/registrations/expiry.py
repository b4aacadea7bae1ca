"""The end of protection: an approved registration becomes `won` if its deal was won before the window
ended, `expired` once the window has ended otherwise. Run per tenant as `system` by a scheduler; the
clock is a parameter so tests (and catch-up runs) decide what "now" is."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants import records
from tenants.deals.models import Deal
from tenants.outbox.events import emit
from tenants.registrations.models import Registration


@dataclass
class ExpiryRun:
    expired: list[uuid.UUID] = field(default_factory=list)
    won: list[uuid.UUID] = field(default_factory=list)


async def _won_at(session: AsyncSession, registration: Registration) -> dt.datetime | None:
    if registration.deal_id is None:
        return None
    row = (
        await session.execute(select(Deal.status, Deal.closed_at).where(Deal.id == registration.deal_id))
    ).one_or_none()
    return row.closed_at if row is not None and row.status == "won" else None


async def close_protection(
    session: AsyncSession, principal: Principal, registration: Registration, now: dt.datetime
) -> str | None:
    """Settle one locked, approved registration as of `now`: `won`, `expired`, or still protected (None)."""
    ends_at = registration.protection_end()
    won_at = await _won_at(session, registration)
    if won_at is not None and won_at <= ends_at:
        changes = {"status": "won", "closed_at": won_at}
        await records.change(session, principal, registration, changes, action="registration.won")
        return "won"
    if ends_at <= now:
        changes = {"status": "expired", "closed_at": ends_at}
        await records.change(session, principal, registration, changes, action="registration.expire")
        payload = {"partner_id": str(registration.partner_id), "protection_ended_at": ends_at.isoformat()}
        emit(session, principal, "registration.expired", "Registration", registration.id, payload)
        return "expired"
    return None


async def expire_registrations(session: AsyncSession, principal: Principal, now: dt.datetime) -> ExpiryRun:
    """Settle every approved registration whose window has ended or whose deal was won. Idempotent: a
    second run with the same `now` finds nothing to do. Rows another transaction holds are left for the
    next run rather than waited for."""
    due = (
        select(Registration)
        .outerjoin(Deal, and_(Deal.tenant_id == Registration.tenant_id, Deal.id == Registration.deal_id))
        .where(Registration.status == "approved", or_(Registration.protection_ends_at <= now, Deal.status == "won"))
        .order_by(Registration.protection_ends_at, Registration.id)
        .with_for_update(of=Registration, skip_locked=True)
        .execution_options(populate_existing=True)
    )
    run = ExpiryRun()
    for registration in (await session.execute(due)).scalars().all():
        outcome = await close_protection(session, principal, registration, now)
        if outcome == "won":
            run.won.append(registration.id)
        elif outcome == "expired":
            run.expired.append(registration.id)
    return run

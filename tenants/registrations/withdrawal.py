"""A partner withdrawing its own registration while it still claims the customer (submitted or approved).

A withdrawn registration claims nothing: conflict checks skip it (it is not `CLAIMING`), and the conflicts
stored with it, on both sides, are removed, so no other registration still shows it as a rival. A deal an
approval opened stays the partner's to work or close; only the registration's protection ends.

Partners cannot update registrations by row policy (`partners_submit_only`): the registration is read as the
partner (another partner's is NOT_FOUND), then changed in a `system` step, audited and announced as the
partner did it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Audience, Principal
from tenants import records
from tenants.database import system_step
from tenants.errors import Conflict, Forbidden
from tenants.outbox.events import emit
from tenants.registrations.models import CLAIMING, Registration, RegistrationConflict


async def withdraw_registration(
    session: AsyncSession,
    principal: Principal,
    registration_id: uuid.UUID,
    version: int,
    *,
    now: dt.datetime | None = None,
) -> Registration:
    if principal.audience is not Audience.PARTNER:
        raise Forbidden("only the registering partner withdraws a registration")
    await records.load(session, Registration, registration_id, label="registration")  # as the partner: its own
    async with system_step(session, principal):
        registration = await records.lock_for_change(
            session, Registration, registration_id, version, label="registration"
        )
        if registration.status not in CLAIMING:
            raise Conflict(
                f"this registration is {registration.status}; only a submitted or approved one is withdrawn",
                field="id",
            )
        was = registration.status
        changes = {"status": "withdrawn", "closed_at": now or dt.datetime.now(dt.UTC)}
        await records.change(session, principal, registration, changes, action="registration.withdraw")
        await session.execute(
            delete(RegistrationConflict).where(
                or_(
                    RegistrationConflict.registration_id == registration.id,
                    RegistrationConflict.other_registration_id == registration.id,
                )
            )
        )
        payload = {"partner_id": str(registration.partner_id), "was": was}
        emit(session, principal, "registration.withdrawn", "Registration", registration.id, payload)
    return registration

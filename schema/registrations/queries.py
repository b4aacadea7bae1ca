"""Registration queries: the caller's registrations (a partner's own, all for vendors)."""

from __future__ import annotations

import strawberry

from authz import actions
from schema.graph.listings import connection, lookup
from schema.registrations.types import Registration, RegistrationStatus
from tenants.registrations.service import REGISTRATIONS


@strawberry.input
class RegistrationFilterInput:
    status: RegistrationStatus | None = None
    partner_id: strawberry.ID | None = None


@strawberry.type
class RegistrationQuery:
    registrations = connection(
        Registration, REGISTRATIONS, action=actions.REGISTRATION_READ, filter=RegistrationFilterInput
    )
    registration = lookup(Registration, action=actions.REGISTRATION_READ)

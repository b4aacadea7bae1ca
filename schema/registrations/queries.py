"""Registration queries: the caller's registrations (a partner's own, all for vendors)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.permissions import requires
from schema.registrations.types import Registration, RegistrationStatus
from schema.relay import Connection, connection, lookup, optional_id
from tenants.registrations.models import Registration as RegistrationRow
from tenants.registrations.service import ORDERS, RegistrationFilter, registrations_query


@strawberry.input
class RegistrationFilterInput:
    status: RegistrationStatus | None = None
    partner_id: strawberry.ID | None = None

    def to_filter(self) -> RegistrationFilter:
        return RegistrationFilter(
            status=None if self.status is None else self.status.value,
            partner_id=optional_id(self.partner_id, "Partner"),
        )


@strawberry.type
class RegistrationQuery:
    @strawberry.field(permission_classes=[requires(actions.REGISTRATION_READ)])
    async def registrations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: RegistrationFilterInput | None = None,
    ) -> Connection[Registration]:
        query = registrations_query((filter or RegistrationFilterInput()).to_filter())
        return await connection(
            info, query, ORDERS["CREATED_AT"], Registration.of, first=first, after=after, last=last, before=before
        )

    @strawberry.field(permission_classes=[requires(actions.REGISTRATION_READ)])
    async def registration(self, info: Info, id: strawberry.ID) -> Registration:
        return await lookup(info, RegistrationRow, id, "Registration", Registration.of)

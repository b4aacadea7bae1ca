"""Registration mutations: partners submit and withdraw; the channel team approves, rejects and extends."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from authz import actions
from schema.graph.entities import plain
from schema.graph.readers import TENANT
from schema.inputs import provided
from schema.permissions import requires
from schema.registrations.types import Registration, RegistrationConflict
from schema.relay import from_global_id
from tenants.registrations import approval, service, withdrawal

UNSET = strawberry.UNSET


@strawberry.input
class SubmitRegistrationInput:
    company_name: str = strawberry.field(description="The end customer's company, in any script.")
    company_domain: str | None = UNSET
    contact_name: str | None = UNSET
    contact_email: str | None = UNSET
    contact_phone: str | None = UNSET
    product: str | None = UNSET
    description: str | None = UNSET
    amount: decimal.Decimal = decimal.Decimal(0)
    currency: str | None = strawberry.field(default=UNSET, description="Default: the tenant's currency.")
    expected_close_date: dt.date | None = UNSET
    partner_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Vendors registering for a partner name it; partners register for themselves."
    )


@plain(readers=TENANT)
class SubmitRegistrationPayload:
    registration: Registration
    conflicts: list[RegistrationConflict] = strawberry.field(description="What the conflict check found.")


@plain(readers=TENANT)
class RegistrationPayload:
    registration: Registration


def _id(global_id: strawberry.ID):
    return from_global_id(global_id, "Registration")[1]


@strawberry.type
class RegistrationMutation:
    @strawberry.mutation(permission_classes=[requires(actions.REGISTRATION_SUBMIT)])
    async def submit_registration(self, info: Info, input: SubmitRegistrationInput) -> SubmitRegistrationPayload:
        fields = provided(input, ids={"partner_id": "Partner"})
        row, found = await info.context.write(service.submit_registration, fields)
        return SubmitRegistrationPayload(
            registration=Registration.of(row), conflicts=[RegistrationConflict.of(f) for f in found]
        )

    @strawberry.mutation(permission_classes=[requires(actions.REGISTRATION_APPROVE)])
    async def approve_registration(self, info: Info, id: strawberry.ID, version: int) -> RegistrationPayload:
        row = await info.context.write(approval.approve_registration, _id(id), version)
        return RegistrationPayload(registration=Registration.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.REGISTRATION_REJECT)])
    async def reject_registration(
        self, info: Info, id: strawberry.ID, version: int, reason: str
    ) -> RegistrationPayload:
        row = await info.context.write(service.reject_registration, _id(id), version, reason)
        return RegistrationPayload(registration=Registration.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.REGISTRATION_EXTEND)])
    async def extend_registration(
        self,
        info: Info,
        id: strawberry.ID,
        version: int,
        days: Annotated[int | None, strawberry.argument(description="Default: the tenant's protection window.")] = None,
    ) -> RegistrationPayload:
        row = await info.context.write(service.extend_registration, _id(id), version, days)
        return RegistrationPayload(registration=Registration.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.REGISTRATION_WITHDRAW)],
        description="Withdraw your own submitted or approved registration: it no longer claims the customer.",
    )
    async def withdraw_registration(self, info: Info, id: strawberry.ID, version: int) -> RegistrationPayload:
        row = await info.context.write(withdrawal.withdraw_registration, _id(id), version)
        return RegistrationPayload(registration=Registration.of(row))

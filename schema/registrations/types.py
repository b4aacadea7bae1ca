"""Registration and its conflicts as the graph shows them.

A partner's view of a conflict says what kind it is, which rule matched and the score, never whose
registration or deal it is: its conflicts are read in a `system` step and redacted before they get here
(`tenants.registrations.conflicts.visible`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from authz import actions
from schema.context import Context
from schema.deals.types import Money
from schema.graph.entities import entity, enum, plain
from schema.graph.fields import column, computed, money, reference
from schema.graph.loaders import load_one
from schema.graph.readers import CHANNEL
from schema.relay import Node
from tenants.deals.models import Deal as DealRow
from tenants.partners.models import Partner as PartnerRow
from tenants.registrations import conflicts
from tenants.registrations.conflicts import Found
from tenants.registrations.models import CONFLICT_KINDS, RULES, STATUSES
from tenants.registrations.models import Registration as RegistrationRow

if TYPE_CHECKING:
    from schema.customers.types import Customer
    from schema.deals.types import Deal
    from schema.partners.types import Partner

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partners.types")]
DealRef = Annotated["Deal", strawberry.lazy("schema.deals.types")]
CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers.types")]

RegistrationStatus = enum("RegistrationStatus", STATUSES)
ConflictKind = enum("ConflictKind", CONFLICT_KINDS)
MatchRule = enum("MatchRule", RULES)


@plain(readers=CHANNEL, description="Another claim on the same customer. Partners see the kind, rule and score only.")
class RegistrationConflict:
    kind: ConflictKind
    rule: MatchRule
    score: int = strawberry.field(description="0-100: how surely it is the same customer.")
    reason: str
    _found: strawberry.Private[Found]

    @classmethod
    def of(cls, found: Found) -> RegistrationConflict:
        return cls(
            kind=ConflictKind(found.kind),
            rule=MatchRule(found.match.rule),
            score=found.match.score,
            reason=found.reason,
            _found=found,
        )

    @strawberry.field(description="The other registration (vendors only; null for partners).")
    async def other_registration(self, info: Info) -> Registration | None:
        row = await load_one(info.context, RegistrationRow, self._found.other_registration_id)
        return None if row is None else Registration.of(row)

    @strawberry.field(description="The other partner (vendors only; null for partners).")
    async def other_partner(self, info: Info) -> PartnerRef | None:
        from schema.partners.types import Partner

        row = await load_one(info.context, PartnerRow, self._found.other_partner_id)
        return None if row is None else Partner.of(row)

    @strawberry.field(description="The conflicting deal (vendors only; null for partners).")
    async def deal(self, info: Info) -> DealRef | None:
        from schema.deals.types import Deal

        row = await load_one(info.context, DealRow, self._found.deal_id)
        return None if row is None else Deal.of(row)


def _conflicts_loader(context: Context) -> DataLoader:
    async def load(keys: Sequence[uuid.UUID]) -> list[list[Found]]:
        async with context.db.reading() as session:
            found = await conflicts.visible(session, context.principal, list(set(keys)))
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


@entity(RegistrationRow, readers=CHANNEL, action=actions.REGISTRATION_READ)
class Registration(Node):
    company_name: str = column(CHANNEL)
    company_domain: str | None = column(CHANNEL)
    contact_name: str | None = column(CHANNEL)
    contact_email: str | None = column(CHANNEL)
    contact_phone: str | None = column(CHANNEL)
    product: str | None = column(CHANNEL)
    description: str | None = column(CHANNEL)
    amount: Money = money(CHANNEL)
    expected_close_date: dt.date | None = column(CHANNEL)
    status: RegistrationStatus = column(CHANNEL)
    rejection_reason: str | None = column(CHANNEL)
    decided_at: dt.datetime | None = column(CHANNEL)
    protection_ends_at: dt.datetime | None = column(CHANNEL)
    extensions: int = column(CHANNEL)
    closed_at: dt.datetime | None = column(CHANNEL)
    version: int = column(CHANNEL)
    created_at: dt.datetime = column(CHANNEL)
    updated_at: dt.datetime = column(CHANNEL)
    partner: PartnerRef | None = reference("partner_id", CHANNEL)
    customer: CustomerRef | None = reference(
        "customer_id", CHANNEL, description="The customer approval created or linked."
    )
    deal: DealRef | None = reference("deal_id", CHANNEL, description="The partner-sourced deal approval opened.")

    @computed(CHANNEL, description="Other claims on the same customer, strongest first.")
    async def conflicts(self, info: Info) -> list[RegistrationConflict]:
        found = await info.context.loader("Registration.conflicts", _conflicts_loader).load(self._row.id)
        return [RegistrationConflict.of(f) for f in found]

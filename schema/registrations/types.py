"""Registration and its conflicts as the graph shows them.

A partner's view of a conflict says what kind it is, which rule matched and the score, never whose
registration or deal it is: its conflicts are read in a `system` step and redacted before they get here.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from authz.principal import Audience, Principal
from schema.context import Context
from schema.deals.types import Money
from schema.loaders import load_one
from schema.relay import Node, to_global_id
from tenants.customers.models import Customer as CustomerRow
from tenants.database import tenant_session
from tenants.deals.models import Deal as DealRow
from tenants.partners.models import Partner as PartnerRow
from tenants.registrations import conflicts
from tenants.registrations.conflicts import Found
from tenants.registrations.models import Registration as RegistrationRow

if TYPE_CHECKING:
    from schema.customers.types import Customer
    from schema.deals.types import Deal
    from schema.partners.types import Partner

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partners.types")]
DealRef = Annotated["Deal", strawberry.lazy("schema.deals.types")]
CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers.types")]


@strawberry.enum
class RegistrationStatus(enum.Enum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WON = "won"


@strawberry.enum
class ConflictKind(enum.Enum):
    PARTNER_REGISTRATION = "partner_registration"
    PARTNER_DEAL = "partner_deal"
    DIRECT_DEAL = "direct_deal"


@strawberry.enum
class MatchRule(enum.Enum):
    DOMAIN = "domain"
    REGISTRABLE_DOMAIN = "registrable_domain"
    NAME = "name"
    SIMILAR_NAME = "similar_name"


@strawberry.type(description="Another claim on the same customer. Partners see the kind, rule and score only.")
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
    principal: Principal = context.principal

    async def load(keys: Sequence[uuid.UUID]) -> list[list[Found]]:
        ids = list(set(keys))
        if principal.audience is Audience.PARTNER:
            # The keys are registrations the partner's own row policies just returned; the rows of
            # their conflicts are vendor-only, so read them as the tenant's system and redact.
            system = Principal.system(principal.tenant_id)
            async with tenant_session(context.services.sessions, system, read_only=True) as session:
                found = await conflicts.stored(session, ids)
            found = {i: [f.redacted() for f in fs] for i, fs in found.items()}
        else:
            async with context.db.reading() as session:
                found = await conflicts.stored(session, ids)
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


@strawberry.type
class Registration(Node):
    company_name: str
    company_domain: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    product: str | None
    description: str | None
    amount: Money
    expected_close_date: dt.date | None
    status: RegistrationStatus
    rejection_reason: str | None
    decided_at: dt.datetime | None
    protection_ends_at: dt.datetime | None
    extensions: int
    closed_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    _row: strawberry.Private[RegistrationRow]

    @classmethod
    def of(cls, row: RegistrationRow) -> Registration:
        return cls(
            id=to_global_id("Registration", row.id),
            company_name=row.company_name,
            company_domain=row.company_domain,
            contact_name=row.contact_name,
            contact_email=row.contact_email,
            contact_phone=row.contact_phone,
            product=row.product,
            description=row.description,
            amount=Money(amount=row.amount, currency=row.currency),
            expected_close_date=row.expected_close_date,
            status=RegistrationStatus(row.status),
            rejection_reason=row.rejection_reason,
            decided_at=row.decided_at,
            protection_ends_at=row.protection_ends_at,
            extensions=row.extensions,
            closed_at=row.closed_at,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            _row=row,
        )

    @strawberry.field
    async def partner(self, info: Info) -> PartnerRef | None:
        from schema.partners.types import Partner

        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)

    @strawberry.field(description="The customer approval created or linked.")
    async def customer(self, info: Info) -> CustomerRef | None:
        from schema.customers.types import Customer

        row = await load_one(info.context, CustomerRow, self._row.customer_id)
        return None if row is None else Customer.of(row)

    @strawberry.field(description="The partner-sourced deal approval opened.")
    async def deal(self, info: Info) -> DealRef | None:
        from schema.deals.types import Deal

        row = await load_one(info.context, DealRow, self._row.deal_id)
        return None if row is None else Deal.of(row)

    @strawberry.field(description="Other claims on the same customer, strongest first.")
    async def conflicts(self, info: Info) -> list[RegistrationConflict]:
        found = await info.context.loader("Registration.conflicts", _conflicts_loader).load(self._row.id)
        return [RegistrationConflict.of(f) for f in found]

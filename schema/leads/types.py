"""Lead, its contact, its offers (assignments) and the tier rules as the graph shows them.

`Lead.contact` is null for a partner until it accepts the lead: the contact lives in its own table, whose
row policy lets a partner read it only through an accepted assignment. Null means "not yours to see (yet)".
"""

from __future__ import annotations

import datetime as dt
import enum

import strawberry
from strawberry.types import Info

from schema.customers.types import Customer
from schema.deals.types import Deal
from schema.loaders import children, load_one
from schema.partners.types import Partner
from schema.relay import Node, to_global_id
from tenants.customers.models import Customer as CustomerRow
from tenants.deals.models import Deal as DealRow
from tenants.leads.models import Lead as LeadRow
from tenants.leads.models import LeadAssignment as AssignmentRow
from tenants.leads.models import LeadContact as ContactRow
from tenants.leads.models import LeadTierRule as RuleRow
from tenants.partners.models import Partner as PartnerRow


@strawberry.enum
class LeadStatus(enum.Enum):
    POOL = "pool"
    OFFERED = "offered"
    CONVERTED = "converted"


@strawberry.enum
class LeadAssignmentStatus(enum.Enum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@strawberry.enum
class LeadAssignmentMethod(enum.Enum):
    RULE = "rule"
    MANUAL = "manual"


@strawberry.type
class LeadContact:
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    title: str | None


@strawberry.type
class LeadAssignment:
    status: LeadAssignmentStatus
    method: LeadAssignmentMethod
    assigned_at: dt.datetime
    accept_by: dt.datetime
    responded_at: dt.datetime | None
    decline_reason: str | None
    _row: strawberry.Private[AssignmentRow]

    @classmethod
    def of(cls, row: AssignmentRow) -> LeadAssignment:
        return cls(
            status=LeadAssignmentStatus(row.status),
            method=LeadAssignmentMethod(row.method),
            assigned_at=row.assigned_at,
            accept_by=row.accept_by,
            responded_at=row.responded_at,
            decline_reason=row.decline_reason,
            _row=row,
        )

    @strawberry.field
    async def partner(self, info: Info) -> Partner | None:
        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)


@strawberry.type
class LeadTierRule:
    tier: str
    weight: int = strawberry.field(description="Share of leads relative to other tiers (default 1).")
    capacity: int = strawberry.field(description="Open leads a partner of this tier may hold (default 10).")

    @classmethod
    def of(cls, row: RuleRow) -> LeadTierRule:
        return cls(tier=row.tier, weight=row.weight, capacity=row.capacity)


@strawberry.type
class Lead(Node):
    company_name: str
    company_domain: str | None
    territory: str | None
    need: str | None
    source: str
    status: LeadStatus
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    _row: strawberry.Private[LeadRow]

    @classmethod
    def of(cls, row: LeadRow) -> Lead:
        return cls(
            id=to_global_id("Lead", row.id),
            company_name=row.company_name,
            company_domain=row.company_domain,
            territory=row.territory,
            need=row.need,
            source=row.source,
            status=LeadStatus(row.status),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            _row=row,
        )

    async def _assignments(self, info: Info) -> list[AssignmentRow]:
        order = [AssignmentRow.assigned_at.desc(), AssignmentRow.id]
        return await children(info.context, AssignmentRow, AssignmentRow.lead_id, order, 100).load(self._row.id)

    @strawberry.field(description="The person behind the lead; null for a partner until it accepts the lead.")
    async def contact(self, info: Info) -> LeadContact | None:
        found = await children(info.context, ContactRow, ContactRow.lead_id, [ContactRow.id], 1).load(self._row.id)
        if not found:
            return None
        row = found[0]
        return LeadContact(
            first_name=row.first_name, last_name=row.last_name, email=row.email, phone=row.phone, title=row.title
        )

    @strawberry.field(description="Offers of this lead, newest first (a partner sees only its own).")
    async def assignments(self, info: Info) -> list[LeadAssignment]:
        return [LeadAssignment.of(row) for row in await self._assignments(info)]

    @strawberry.field(description="When the open offer must be answered by; null when none is open.")
    async def accept_by(self, info: Info) -> dt.datetime | None:
        offered = [row for row in await self._assignments(info) if row.status == "offered"]
        return offered[0].accept_by if offered else None

    @strawberry.field(description="The partner holding the offer or the converted lead.")
    async def partner(self, info: Info) -> Partner | None:
        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)

    @strawberry.field(description="The customer the lead converted into.")
    async def customer(self, info: Info) -> Customer | None:
        row = await load_one(info.context, CustomerRow, self._row.customer_id)
        return None if row is None else Customer.of(row)

    @strawberry.field(description="The partner-sourced deal the lead converted into.")
    async def deal(self, info: Info) -> Deal | None:
        row = await load_one(info.context, DealRow, self._row.deal_id)
        return None if row is None else Deal.of(row)

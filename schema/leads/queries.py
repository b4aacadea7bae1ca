"""Lead queries: a partner sees the leads offered to it or converted by it; vendors see all."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.enums import value
from schema.leads.types import Lead, LeadStatus, LeadTierRule
from schema.permissions import requires
from schema.relay import Connection, connection, lookup, optional_id
from tenants.leads.models import Lead as LeadRow
from tenants.leads.service import ORDER, LeadFilter, leads_query, tier_rules


@strawberry.input
class LeadFilterInput:
    status: LeadStatus | None = None
    partner_id: strawberry.ID | None = None
    territory: str | None = None
    include_archived: bool = False

    def to_filter(self) -> LeadFilter:
        return LeadFilter(
            status=value(self.status),
            partner_id=optional_id(self.partner_id, "Partner"),
            territory=self.territory,
            include_archived=self.include_archived,
        )


@strawberry.type
class LeadQuery:
    @strawberry.field(permission_classes=[requires(actions.LEAD_READ)])
    async def leads(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: LeadFilterInput | None = None,
    ) -> Connection[Lead]:
        query = leads_query((filter or LeadFilterInput()).to_filter())
        return await connection(info, query, ORDER, Lead.of, first=first, after=after, last=last, before=before)

    @strawberry.field(permission_classes=[requires(actions.LEAD_READ)])
    async def lead(self, info: Info, id: strawberry.ID) -> Lead:
        return await lookup(info, LeadRow, id, "Lead", Lead.of)

    @strawberry.field(
        permission_classes=[requires(actions.LEAD_ASSIGN)], description="The tenant's distribution rule per tier."
    )
    async def lead_tier_rules(self, info: Info) -> list[LeadTierRule]:
        async with info.context.db.reading() as session:
            return [LeadTierRule.of(row) for row in await tier_rules(session)]

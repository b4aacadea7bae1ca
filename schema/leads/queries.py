"""Lead queries: a partner sees the leads offered to it or converted by it; vendors see all."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.graph.listings import connection, lookup
from schema.leads.types import Lead, LeadStatus, LeadTierRule
from schema.permissions import requires
from tenants.leads.service import LEADS, tier_rules


@strawberry.input
class LeadFilterInput:
    status: LeadStatus | None = None
    partner_id: strawberry.ID | None = None
    territory: str | None = None
    include_archived: bool = False


@strawberry.type
class LeadQuery:
    leads = connection(Lead, LEADS, action=actions.LEAD_READ, filter=LeadFilterInput)
    lead = lookup(Lead, action=actions.LEAD_READ)

    @strawberry.field(
        permission_classes=[requires(actions.LEAD_ASSIGN)], description="The tenant's distribution rule per tier."
    )
    async def lead_tier_rules(self, info: Info) -> list[LeadTierRule]:
        async with info.context.db.reading() as session:
            return [LeadTierRule.of(row) for row in await tier_rules(session)]

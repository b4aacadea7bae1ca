"""Attribution queries for the vendor: revenue by source and by partner per period."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from authz import actions
from schema.attribution.types import DealPartnerTouch, Period, RevenueByPartner, RevenueBySource
from schema.permissions import requires
from schema.relay import from_global_id, optional_id
from tenants.attribution import service

FROM = Annotated[dt.date, strawberry.argument(name="from", description="First local day (tenant time zone).")]
TO = Annotated[dt.date, strawberry.argument(name="to", description="Last local day, inclusive.")]


@strawberry.type
class AttributionQuery:
    @strawberry.field(
        permission_classes=[requires(actions.ATTRIBUTION_READ)],
        description="Won revenue per period by source (direct, partner-sourced, partner-influenced), per currency.",
    )
    async def revenue_by_source(self, info: Info, period: Period, start: FROM, end: TO) -> list[RevenueBySource]:
        async with info.context.db.reading() as session:
            rows = await service.by_source(session, period.value, start, end)
        return [RevenueBySource.of(r) for r in rows]

    @strawberry.field(
        permission_classes=[requires(actions.ATTRIBUTION_READ)],
        description="Won revenue per period of the deals each partner touched, by role, per currency.",
    )
    async def revenue_by_partner(
        self, info: Info, period: Period, start: FROM, end: TO, partner_id: strawberry.ID | None = None
    ) -> list[RevenueByPartner]:
        partner = optional_id(partner_id, "Partner")
        async with info.context.db.reading() as session:
            rows = await service.by_partner(session, period.value, start, end, partner)
        return [RevenueByPartner.of(r) for r in rows]

    @strawberry.field(
        permission_classes=[requires(actions.ATTRIBUTION_READ)], description="The partners that touched a deal."
    )
    async def deal_partners(self, info: Info, deal_id: strawberry.ID) -> list[DealPartnerTouch]:
        deal = from_global_id(deal_id, "Deal")[1]
        async with info.context.db.reading() as session:
            rows = await service.touches(session, deal)
        return [DealPartnerTouch.of(r) for r in rows]

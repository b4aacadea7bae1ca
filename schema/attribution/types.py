"""Revenue by source and by partner, and a deal's partner touches, as the graph shows them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.deals.types import Money
from schema.enums import DealSource
from schema.graph.entities import enum, plain
from schema.graph.loaders import load_one
from schema.graph.readers import VENDOR
from tenants.attribution.models import ROLES, DealPartner
from tenants.attribution.service import GRAINS, Revenue
from tenants.partners.models import Partner as PartnerRow

if TYPE_CHECKING:
    from schema.partners.types import Partner

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partners.types")]


Period = enum("Period", GRAINS)
PartnerRole = enum("PartnerRole", ROLES)


@plain(readers=VENDOR, description="Won revenue of one source in one period and currency.")
class RevenueBySource:
    period_start: dt.date
    source: DealSource
    amount: Money
    deal_count: int

    @classmethod
    def of(cls, row: Revenue) -> RevenueBySource:
        return cls(
            period_start=row.period,
            source=DealSource(row.source),
            amount=Money(amount=row.amount, currency=row.currency),
            deal_count=row.deal_count,
        )


@plain(readers=VENDOR, description="Won revenue of deals one partner touched, in one role, period and currency.")
class RevenueByPartner:
    period_start: dt.date
    role: PartnerRole
    amount: Money
    deal_count: int
    _row: strawberry.Private[Revenue]

    @classmethod
    def of(cls, row: Revenue) -> RevenueByPartner:
        return cls(
            period_start=row.period,
            role=PartnerRole(row.role),
            amount=Money(amount=row.amount, currency=row.currency),
            deal_count=row.deal_count,
            _row=row,
        )

    @strawberry.field
    async def partner(self, info: Info) -> PartnerRef | None:
        from schema.partners.types import Partner

        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)


@plain(readers=VENDOR, description="One partner's part in a deal.")
class DealPartnerTouch:
    role: PartnerRole
    since: dt.datetime
    _row: strawberry.Private[DealPartner]

    @classmethod
    def of(cls, row: DealPartner) -> DealPartnerTouch:
        return cls(role=PartnerRole(row.role), since=row.created_at, _row=row)

    @strawberry.field
    async def partner(self, info: Info) -> PartnerRef | None:
        from schema.partners.types import Partner

        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)

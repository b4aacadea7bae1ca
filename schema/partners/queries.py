"""Partner queries."""

from __future__ import annotations

import enum

import strawberry
from strawberry.types import Info

from authz import actions
from schema.enums import PartnerKind, PartnerStatus, value
from schema.partners.types import Partner
from schema.permissions import requires
from schema.relay import Connection, connection, lookup, optional_id
from tenants.partners.models import Partner as PartnerRow
from tenants.partners.service import ORDERS, PartnerFilter, partners_query


@strawberry.enum
class PartnerOrder(enum.Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"


@strawberry.input
class PartnerFilterInput:
    search: str | None = strawberry.field(default=None, description="Part of the name or domain.")
    status: PartnerStatus | None = None
    tier: str | None = None
    kind: PartnerKind | None = None
    parent_id: strawberry.ID | None = None
    below_id: strawberry.ID | None = strawberry.field(default=None, description="Sub-partners at any depth.")
    include_archived: bool = False

    def to_filter(self) -> PartnerFilter:
        return PartnerFilter(
            search=self.search,
            status=value(self.status),
            tier=self.tier,
            kind=value(self.kind),
            parent_id=optional_id(self.parent_id, "Partner"),
            ancestor_id=optional_id(self.below_id, "Partner"),
            include_archived=self.include_archived,
        )


@strawberry.type
class PartnerQuery:
    @strawberry.field(permission_classes=[requires(actions.PARTNER_READ)])
    async def partners(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: PartnerFilterInput | None = None,
        order_by: PartnerOrder = PartnerOrder.NAME,
    ) -> Connection[Partner]:
        query = partners_query((filter or PartnerFilterInput()).to_filter())
        return await connection(
            info, query, ORDERS[order_by.value], Partner.of, first=first, after=after, last=last, before=before
        )

    @strawberry.field(permission_classes=[requires(actions.PARTNER_READ)])
    async def partner(self, info: Info, id: strawberry.ID) -> Partner:
        return await lookup(info, PartnerRow, id, "Partner", Partner.of)

"""Partner as the graph shows it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.enums import PartnerKind, PartnerStatus, nested_limit
from schema.loaders import by_id, children, load_one
from schema.relay import Node, to_global_id
from tenants.activities.models import Activity as ActivityRow
from tenants.customers.models import Contact as ContactRow
from tenants.customers.models import Customer as CustomerRow
from tenants.deals.models import Deal as DealRow
from tenants.identity.models import Membership
from tenants.identity.models import User as UserRow
from tenants.partners.models import Partner as PartnerRow

if TYPE_CHECKING:
    from schema.activities.types import Activity
    from schema.customers.types import Contact, Customer
    from schema.deals.types import Deal
    from schema.identity.types import User


@strawberry.type
class Partner(Node):
    name: str
    kind: PartnerKind
    status: PartnerStatus
    tier: str | None
    territory: str | None
    website: str | None
    domain: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    archived_at: dt.datetime | None
    _row: strawberry.Private[PartnerRow]

    @classmethod
    def of(cls, row: PartnerRow) -> Partner:
        return cls(
            id=to_global_id("Partner", row.id),
            name=row.name,
            kind=PartnerKind(row.kind),
            status=PartnerStatus(row.status),
            tier=row.tier,
            territory=row.territory,
            website=row.website,
            domain=row.domain,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
            _row=row,
        )

    @strawberry.field(description="The distributor above this partner, if the caller may see it.")
    async def parent(self, info: Info) -> Partner | None:
        row = await load_one(info.context, PartnerRow, self._row.parent_id)
        return None if row is None else Partner.of(row)

    @strawberry.field(description="Direct sub-partners (each has its own subPartners).")
    async def sub_partners(self, info: Info, first: int = 20) -> list[Partner]:
        rows = await children(
            info.context, PartnerRow, PartnerRow.parent_id, [PartnerRow.name, PartnerRow.id], nested_limit(first)
        ).load(self._row.id)
        return [Partner.of(r) for r in rows]

    @strawberry.field
    async def users(
        self, info: Info, first: int = 20
    ) -> list[Annotated[User, strawberry.lazy("schema.identity.types")]]:
        from schema.identity.types import User

        memberships = await children(
            info.context, Membership, Membership.partner_id, [Membership.created_at, Membership.id], nested_limit(first)
        ).load(self._row.id)
        users = await _many(info, UserRow, [m.user_id for m in memberships])
        return [User.of(u) for u in users]

    @strawberry.field
    async def customers(
        self, info: Info, first: int = 20
    ) -> list[Annotated[Customer, strawberry.lazy("schema.customers.types")]]:
        from schema.customers.types import Customer

        rows = await children(
            info.context, CustomerRow, CustomerRow.partner_id, [CustomerRow.name, CustomerRow.id], nested_limit(first)
        ).load(self._row.id)
        return [Customer.of(r) for r in rows]

    @strawberry.field
    async def deals(self, info: Info, first: int = 20) -> list[Annotated[Deal, strawberry.lazy("schema.deals.types")]]:
        from schema.deals.types import deals_by

        return await deals_by(info, DealRow.partner_id, self._row.id, first)

    @strawberry.field
    async def contacts(
        self, info: Info, first: int = 20
    ) -> list[Annotated[Contact, strawberry.lazy("schema.customers.types")]]:
        from schema.customers.types import Contact

        rows = await children(
            info.context, ContactRow, ContactRow.partner_id, [ContactRow.last_name, ContactRow.id], nested_limit(first)
        ).load(self._row.id)
        return [Contact.of(r) for r in rows]

    @strawberry.field
    async def activities(
        self, info: Info, first: int = 20
    ) -> list[Annotated[Activity, strawberry.lazy("schema.activities.types")]]:
        from schema.activities.types import activities_by

        return await activities_by(info, ActivityRow.partner_id, self._row.id, first)


async def _many(info: Info, model: type, ids: list) -> list:
    rows = await by_id(info.context, model).load_many(ids)
    return [r for r in rows if r is not None]

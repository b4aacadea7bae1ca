"""Customer and Contact as the graph shows them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.enums import LifecycleStage, nested_limit
from schema.loaders import children, load_one
from schema.relay import Node, to_global_id
from tenants.activities.models import Activity as ActivityRow
from tenants.customers.models import Contact as ContactRow
from tenants.customers.models import Customer as CustomerRow
from tenants.deals.models import Deal as DealRow
from tenants.identity.models import User as UserRow
from tenants.partners.models import Partner as PartnerRow

if TYPE_CHECKING:
    from schema.activities.types import Activity
    from schema.deals.types import Deal
    from schema.identity.types import User
    from schema.partners.types import Partner

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partners.types")]
UserRef = Annotated["User", strawberry.lazy("schema.identity.types")]


@strawberry.type
class Customer(Node):
    name: str
    domain: str | None
    industry: str | None
    size: str | None
    lifecycle_stage: LifecycleStage
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    archived_at: dt.datetime | None
    _row: strawberry.Private[CustomerRow]

    @classmethod
    def of(cls, row: CustomerRow) -> Customer:
        return cls(
            id=to_global_id("Customer", row.id),
            name=row.name,
            domain=row.domain,
            industry=row.industry,
            size=row.size,
            lifecycle_stage=LifecycleStage(row.lifecycle_stage),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
            _row=row,
        )

    @strawberry.field(description="The vendor user who owns the account.")
    async def owner(self, info: Info) -> UserRef | None:
        from schema.identity.types import User

        row = await load_one(info.context, UserRow, self._row.owner_id)
        return None if row is None else User.of(row)

    @strawberry.field(description="The partner managing this account, if any.")
    async def partner(self, info: Info) -> PartnerRef | None:
        from schema.partners.types import Partner

        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)

    @strawberry.field
    async def contacts(self, info: Info, first: int = 20) -> list[Contact]:
        rows = await children(
            info.context,
            ContactRow,
            ContactRow.customer_id,
            [ContactRow.last_name, ContactRow.first_name, ContactRow.id],
            nested_limit(first),
        ).load(self._row.id)
        return [Contact.of(r) for r in rows]

    @strawberry.field
    async def deals(self, info: Info, first: int = 20) -> list[Annotated[Deal, strawberry.lazy("schema.deals.types")]]:
        from schema.deals.types import deals_by

        return await deals_by(info, DealRow.customer_id, self._row.id, first)

    @strawberry.field
    async def activities(
        self, info: Info, first: int = 20
    ) -> list[Annotated[Activity, strawberry.lazy("schema.activities.types")]]:
        from schema.activities.types import activities_by

        return await activities_by(info, ActivityRow.customer_id, self._row.id, first)


@strawberry.type
class Contact(Node):
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    title: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    archived_at: dt.datetime | None
    _row: strawberry.Private[ContactRow]

    @classmethod
    def of(cls, row: ContactRow) -> Contact:
        return cls(
            id=to_global_id("Contact", row.id),
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            phone=row.phone,
            title=row.title,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
            _row=row,
        )

    @strawberry.field
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        row = await load_one(info.context, CustomerRow, self._row.customer_id)
        return None if row is None else Customer.of(row)

    @strawberry.field
    async def partner(self, info: Info) -> PartnerRef | None:
        from schema.partners.types import Partner

        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)

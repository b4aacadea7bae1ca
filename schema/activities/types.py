"""Activity as the graph shows it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.enums import ActivityKind, nested_limit
from schema.loaders import children, load_one
from schema.relay import Node, to_global_id
from tenants.activities.models import Activity as ActivityRow
from tenants.customers.models import Customer as CustomerRow
from tenants.deals.models import Deal as DealRow
from tenants.identity.models import User as UserRow
from tenants.partners.models import Partner as PartnerRow

if TYPE_CHECKING:
    from schema.customers.types import Customer
    from schema.deals.types import Deal
    from schema.identity.types import User
    from schema.partners.types import Partner


@strawberry.type
class Activity(Node):
    kind: ActivityKind
    subject: str
    body: str | None
    occurred_at: dt.datetime
    due_at: dt.datetime | None
    created_at: dt.datetime
    _row: strawberry.Private[ActivityRow]

    @classmethod
    def of(cls, row: ActivityRow) -> Activity:
        return cls(
            id=to_global_id("Activity", row.id),
            kind=ActivityKind(row.kind),
            subject=row.subject,
            body=row.body,
            occurred_at=row.occurred_at,
            due_at=row.due_at,
            created_at=row.created_at,
            _row=row,
        )

    @strawberry.field
    async def author(self, info: Info) -> Annotated[User, strawberry.lazy("schema.identity.types")] | None:
        from schema.identity.types import User

        row = await load_one(info.context, UserRow, self._row.author_id)
        return None if row is None else User.of(row)

    @strawberry.field
    async def customer(self, info: Info) -> Annotated[Customer, strawberry.lazy("schema.customers.types")] | None:
        from schema.customers.types import Customer

        row = await load_one(info.context, CustomerRow, self._row.customer_id)
        return None if row is None else Customer.of(row)

    @strawberry.field
    async def deal(self, info: Info) -> Annotated[Deal, strawberry.lazy("schema.deals.types")] | None:
        from schema.deals.types import Deal

        row = await load_one(info.context, DealRow, self._row.deal_id)
        return None if row is None else Deal.of(row)

    @strawberry.field
    async def partner(self, info: Info) -> Annotated[Partner, strawberry.lazy("schema.partners.types")] | None:
        from schema.partners.types import Partner

        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)


async def activities_by(info: Info, column, parent_id, first: int) -> list[Activity]:
    """A parent's latest activities (by customer, deal or partner), batched with every sibling's."""
    rows = await children(
        info.context, ActivityRow, column, [ActivityRow.occurred_at.desc(), ActivityRow.id], nested_limit(first)
    ).load(parent_id)
    return [Activity.of(r) for r in rows]

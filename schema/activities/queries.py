"""Activity queries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.activities.types import Activity
from schema.enums import ActivityKind, value
from schema.permissions import requires
from schema.relay import Connection, connection, lookup, optional_id
from tenants.activities.models import Activity as ActivityRow
from tenants.activities.service import ORDERS, ActivityFilter, activities_query


@strawberry.input
class ActivityFilterInput:
    kind: ActivityKind | None = None
    customer_id: strawberry.ID | None = None
    deal_id: strawberry.ID | None = None
    partner_id: strawberry.ID | None = None
    author_id: strawberry.ID | None = None

    def to_filter(self) -> ActivityFilter:
        return ActivityFilter(
            kind=value(self.kind),
            customer_id=optional_id(self.customer_id, "Customer"),
            deal_id=optional_id(self.deal_id, "Deal"),
            partner_id=optional_id(self.partner_id, "Partner"),
            author_id=optional_id(self.author_id, "User"),
        )


@strawberry.type
class ActivityQuery:
    @strawberry.field(permission_classes=[requires(actions.ACTIVITY_READ)])
    async def activities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ActivityFilterInput | None = None,
    ) -> Connection[Activity]:
        query = activities_query((filter or ActivityFilterInput()).to_filter())
        return await connection(
            info, query, ORDERS["OCCURRED_AT"], Activity.of, first=first, after=after, last=last, before=before
        )

    @strawberry.field(permission_classes=[requires(actions.ACTIVITY_READ)])
    async def activity(self, info: Info, id: strawberry.ID) -> Activity:
        return await lookup(info, ActivityRow, id, "Activity", Activity.of)

"""Activity mutations."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from authz import actions
from schema.activities.types import Activity
from schema.enums import ActivityKind
from schema.graph.entities import plain
from schema.graph.readers import TENANT
from schema.inputs import provided
from schema.permissions import requires
from tenants.activities import service


@strawberry.input
class AddActivityInput:
    kind: ActivityKind
    subject: str
    body: str | None = None
    customer_id: strawberry.ID | None = None
    deal_id: strawberry.ID | None = None
    partner_id: strawberry.ID | None = None
    occurred_at: dt.datetime | None = strawberry.UNSET
    due_at: dt.datetime | None = None


@plain(readers=TENANT)
class ActivityPayload:
    activity: Activity


@strawberry.type
class ActivityMutation:
    @strawberry.mutation(permission_classes=[requires(actions.ACTIVITY_CREATE)])
    async def add_activity(self, info: Info, input: AddActivityInput) -> ActivityPayload:
        fields = provided(input, ids={"customer_id": "Customer", "deal_id": "Deal", "partner_id": "Partner"})
        row = await info.context.write(service.add_activity, fields)
        return ActivityPayload(activity=Activity.of(row))

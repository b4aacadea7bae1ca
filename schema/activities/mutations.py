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
from schema.relay import from_global_id
from tenants.activities import service

UNSET = strawberry.UNSET


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


@strawberry.input
class UpdateActivityInput:
    kind: ActivityKind | None = UNSET
    subject: str | None = UNSET
    body: str | None = UNSET
    occurred_at: dt.datetime | None = UNSET
    due_at: dt.datetime | None = UNSET


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

    @strawberry.mutation(permission_classes=[requires(actions.ACTIVITY_UPDATE)])
    async def update_activity(
        self, info: Info, id: strawberry.ID, version: int, input: UpdateActivityInput
    ) -> ActivityPayload:
        row = await info.context.write(service.update_activity, _id(id), version, provided(input))
        return ActivityPayload(activity=Activity.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.ACTIVITY_COMPLETE)],
        description="Mark the activity done now; completing it again is a CONFLICT.",
    )
    async def complete_activity(self, info: Info, id: strawberry.ID, version: int) -> ActivityPayload:
        row = await info.context.write(service.complete_activity, _id(id), version)
        return ActivityPayload(activity=Activity.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.ACTIVITY_DELETE)],
        description="Delete (archive) the activity: it leaves lists and timelines; deleting it again changes nothing.",
    )
    async def delete_activity(self, info: Info, id: strawberry.ID) -> ActivityPayload:
        row = await info.context.write(service.delete_activity, _id(id))
        return ActivityPayload(activity=Activity.of(row))


def _id(global_id: strawberry.ID):
    return from_global_id(global_id, "Activity")[1]

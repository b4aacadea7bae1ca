"""Activity queries."""

from __future__ import annotations

import strawberry

from authz import actions
from schema.activities.types import Activity
from schema.enums import ActivityKind
from schema.graph.listings import connection, lookup
from tenants.activities.service import ACTIVITIES


@strawberry.input
class ActivityFilterInput:
    kind: ActivityKind | None = None
    customer_id: strawberry.ID | None = None
    deal_id: strawberry.ID | None = None
    partner_id: strawberry.ID | None = None
    author_id: strawberry.ID | None = None


@strawberry.type
class ActivityQuery:
    activities = connection(Activity, ACTIVITIES, action=actions.ACTIVITY_READ, filter=ActivityFilterInput)
    activity = lookup(Activity, action=actions.ACTIVITY_READ)

"""Activity as the graph shows it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from authz import actions
from schema.enums import ActivityKind
from schema.graph.entities import entity
from schema.graph.fields import column, reference
from schema.graph.readers import CHANNEL
from schema.relay import Node
from tenants.activities.models import Activity as ActivityRow

if TYPE_CHECKING:
    from schema.customers.types import Customer
    from schema.deals.types import Deal
    from schema.identity.types import User
    from schema.partners.types import Partner


@entity(ActivityRow, readers=CHANNEL, action=actions.ACTIVITY_READ)
class Activity(Node):
    kind: ActivityKind = column(CHANNEL)
    subject: str = column(CHANNEL)
    body: str | None = column(CHANNEL)
    occurred_at: dt.datetime = column(CHANNEL)
    due_at: dt.datetime | None = column(CHANNEL)
    completed_at: dt.datetime | None = column(CHANNEL)
    archived_at: dt.datetime | None = column(CHANNEL, description="When it was deleted.")
    version: int = column(CHANNEL)
    created_at: dt.datetime = column(CHANNEL)
    author: Annotated[User, strawberry.lazy("schema.identity.types")] | None = reference("author_id", CHANNEL)
    customer: Annotated[Customer, strawberry.lazy("schema.customers.types")] | None = reference("customer_id", CHANNEL)
    deal: Annotated[Deal, strawberry.lazy("schema.deals.types")] | None = reference("deal_id", CHANNEL)
    partner: Annotated[Partner, strawberry.lazy("schema.partners.types")] | None = reference("partner_id", CHANNEL)

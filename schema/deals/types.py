"""Deal, Money, PipelineStage and the stage history as the graph shows them."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from authz import actions
from schema.enums import DealSource, DealStatus, StageKind
from schema.graph.entities import entity, plain
from schema.graph.fields import children, column, money, reference
from schema.graph.readers import ANYONE, CHANNEL, TENANT, VENDOR
from schema.relay import Node
from tenants.activities.service import ORDERS as ACTIVITY_ORDERS
from tenants.deals.models import Deal as DealRow
from tenants.deals.models import DealStageChange
from tenants.deals.models import PipelineStage as StageRow
from tenants.deals.service import STAGE_HISTORY_ORDER

if TYPE_CHECKING:
    from schema.activities.types import Activity
    from schema.customers.types import Customer
    from schema.identity.types import User
    from schema.partners.types import Partner

UserRef = Annotated["User", strawberry.lazy("schema.identity.types")]
DETAIL = CHANNEL.needs(actions.DEAL_READ_DETAIL)  # what partners see of a deal beyond its customer's view


@plain(readers=ANYONE, description="An amount in one ISO 4217 currency. Sums never mix currencies.")
class Money:
    amount: decimal.Decimal
    currency: str


@entity(StageRow, readers=TENANT, action=actions.PIPELINE_STAGE_READ)
class PipelineStage(Node):
    name: str = column(TENANT)
    position: int = column(TENANT)
    probability: int = column(TENANT)
    kind: StageKind = column(TENANT)


@entity(DealStageChange, readers=CHANNEL, action=None, node=False)
class DealStageChangeEntry:
    changed_at: dt.datetime = column(CHANNEL)
    from_stage: PipelineStage | None = reference("from_stage_id", CHANNEL)
    to_stage: PipelineStage = reference("to_stage_id", CHANNEL)
    changed_by: UserRef | None = reference("changed_by", CHANNEL)


@entity(DealRow, readers=TENANT, action=actions.DEAL_READ)
class Deal(Node):
    title: str = column(TENANT)
    source: DealSource = column(DETAIL)
    amount: Money = money(TENANT)
    expected_close_date: dt.date | None = column(TENANT)
    probability: int = column(DETAIL)
    status: DealStatus = column(TENANT)
    close_reason: str | None = column(DETAIL)
    closed_at: dt.datetime | None = column(DETAIL)
    internal_notes: str | None = column(
        VENDOR.needs(actions.DEAL_READ_INTERNAL), description="Vendor-only notes; masked for partners and customers."
    )
    version: int = column(DETAIL)
    created_at: dt.datetime = column(DETAIL)
    updated_at: dt.datetime = column(DETAIL)
    archived_at: dt.datetime | None = column(DETAIL)
    customer: Annotated[Customer, strawberry.lazy("schema.customers.types")] | None = reference("customer_id", TENANT)
    partner: Annotated[Partner, strawberry.lazy("schema.partners.types")] | None = reference("partner_id", DETAIL)
    stage: PipelineStage = reference("stage_id", TENANT)
    owner: UserRef | None = reference("owner_id", VENDOR.needs(actions.DEAL_READ_OWNER))
    stage_history: list[DealStageChangeEntry] = children("deal_id", STAGE_HISTORY_ORDER, DETAIL, first=50)
    activities: list[Annotated[Activity, strawberry.lazy("schema.activities.types")]] = children(
        "deal_id", ACTIVITY_ORDERS["OCCURRED_AT"], DETAIL
    )


@plain(readers=TENANT)
class PipelineStageTotal:
    stage: PipelineStage
    deal_count: int
    amounts: list[Money] = strawberry.field(description="One sum per currency.")

"""Deal queries and the pipeline aggregate."""

from __future__ import annotations

import datetime as dt
import decimal

import strawberry
from strawberry.types import Info

from authz import actions
from schema.deals.types import Deal, Money, PipelineStage, PipelineStageTotal
from schema.enums import DealSource, DealStatus
from schema.graph.fields import GRAPH
from schema.graph.listings import connection, lookup, order_enum, rows
from schema.permissions import requires
from tenants.deals.models import PipelineStage as StageRow
from tenants.deals.service import DEALS, pipeline
from tenants.pagination import SortKey

DealOrder = order_enum("DealOrder", DEALS)


@strawberry.input
class DealFilterInput:
    stage_id: strawberry.ID | None = None
    partner_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    owner_id: strawberry.ID | None = None
    source: DealSource | None = None
    status: DealStatus | None = strawberry.field(default=None, description="Open, won or lost.")
    amount_min: decimal.Decimal | None = None
    amount_max: decimal.Decimal | None = None
    currency: str | None = None
    close_date_from: dt.date | None = None
    close_date_to: dt.date | None = None
    search: str | None = strawberry.field(default=None, description="Part of the title.")
    include_archived: bool = False


class PipelineTotals:
    """The spec of `pipeline` for the compiled read path: per stage, the live deals' count and sums."""


@strawberry.type
class DealQuery:
    deals = connection(Deal, DEALS, action=actions.DEAL_READ, filter=DealFilterInput, order=DealOrder)
    deal = lookup(Deal, action=actions.DEAL_READ)
    pipeline_stages = rows(
        PipelineStage,
        [SortKey(StageRow.position)],
        action=actions.PIPELINE_STAGE_READ,
        description="The tenant's stages.",
    )

    @strawberry.field(
        permission_classes=[requires(actions.PIPELINE_READ)],
        description="Deal count and amounts per stage, within the viewer's scope.",
        metadata={GRAPH: PipelineTotals()},
    )
    async def pipeline(self, info: Info) -> list[PipelineStageTotal]:
        async with info.context.db.reading() as session:
            totals = await pipeline(session)
        return [
            PipelineStageTotal(
                stage=PipelineStage.of(t.stage),
                deal_count=t.deal_count,
                amounts=[Money(amount=amount, currency=currency) for currency, amount in t.amounts],
            )
            for t in totals
        ]

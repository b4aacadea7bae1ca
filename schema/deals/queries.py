"""Deal queries and the pipeline aggregate."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

import strawberry
from strawberry.types import Info

from authz import actions
from schema.deals.types import Deal, Money, PipelineStage, PipelineStageTotal
from schema.enums import DealSource, DealStatus, value
from schema.permissions import requires
from schema.relay import Connection, connection, lookup, optional_id
from tenants.deals import pipeline as stages
from tenants.deals.models import Deal as DealRow
from tenants.deals.service import ORDERS, DealFilter, deals_query, pipeline


@strawberry.enum
class DealOrder(enum.Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    AMOUNT = "AMOUNT"
    TITLE = "TITLE"


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

    def to_filter(self) -> DealFilter:
        return DealFilter(
            stage_id=optional_id(self.stage_id, "PipelineStage"),
            partner_id=optional_id(self.partner_id, "Partner"),
            customer_id=optional_id(self.customer_id, "Customer"),
            owner_id=optional_id(self.owner_id, "User"),
            source=value(self.source),
            status=value(self.status),
            amount_min=self.amount_min,
            amount_max=self.amount_max,
            currency=self.currency,
            close_from=self.close_date_from,
            close_to=self.close_date_to,
            search=self.search,
            include_archived=self.include_archived,
        )


@strawberry.type
class DealQuery:
    @strawberry.field(permission_classes=[requires(actions.DEAL_READ)])
    async def deals(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: DealFilterInput | None = None,
        order_by: DealOrder = DealOrder.CREATED_AT,
    ) -> Connection[Deal]:
        query = deals_query((filter or DealFilterInput()).to_filter())
        return await connection(
            info, query, ORDERS[order_by.value], Deal.of, first=first, after=after, last=last, before=before
        )

    @strawberry.field(permission_classes=[requires(actions.DEAL_READ)])
    async def deal(self, info: Info, id: strawberry.ID) -> Deal:
        return await lookup(info, DealRow, id, "Deal", Deal.of)

    @strawberry.field(permission_classes=[requires(actions.PIPELINE_STAGE_READ)], description="The tenant's stages.")
    async def pipeline_stages(self, info: Info) -> list[PipelineStage]:
        async with info.context.db.reading() as session:
            return [PipelineStage.of(row) for row in await stages.stages(session)]

    @strawberry.field(
        permission_classes=[requires(actions.PIPELINE_READ)],
        description="Deal count and amounts per stage, within the viewer's scope.",
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

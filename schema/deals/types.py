"""Deal, Money, PipelineStage and the stage history as the graph shows them."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.enums import DealSource, DealStatus, StageKind, nested_limit
from schema.loaders import children, load_one
from schema.relay import Node, to_global_id
from tenants.activities.models import Activity as ActivityRow
from tenants.customers.models import Customer as CustomerRow
from tenants.deals.models import Deal as DealRow
from tenants.deals.models import DealStageChange
from tenants.deals.models import PipelineStage as StageRow
from tenants.identity.models import User as UserRow
from tenants.partners.models import Partner as PartnerRow

if TYPE_CHECKING:
    from schema.activities.types import Activity
    from schema.customers.types import Customer
    from schema.identity.types import User
    from schema.partners.types import Partner

UserRef = Annotated["User", strawberry.lazy("schema.identity.types")]


@strawberry.type(description="An amount in one ISO 4217 currency. Sums never mix currencies.")
class Money:
    amount: decimal.Decimal
    currency: str


@strawberry.type
class PipelineStage(Node):
    name: str
    position: int
    probability: int
    kind: StageKind

    @classmethod
    def of(cls, row: StageRow) -> PipelineStage:
        return cls(
            id=to_global_id("PipelineStage", row.id),
            name=row.name,
            position=row.position,
            probability=row.probability,
            kind=StageKind(row.kind),
        )


@strawberry.type
class DealStageChangeEntry:
    changed_at: dt.datetime
    _row: strawberry.Private[DealStageChange]

    @strawberry.field
    async def from_stage(self, info: Info) -> PipelineStage | None:
        row = await load_one(info.context, StageRow, self._row.from_stage_id)
        return None if row is None else PipelineStage.of(row)

    @strawberry.field
    async def to_stage(self, info: Info) -> PipelineStage:
        return PipelineStage.of(await load_one(info.context, StageRow, self._row.to_stage_id))

    @strawberry.field
    async def changed_by(self, info: Info) -> UserRef | None:
        from schema.identity.types import User

        row = await load_one(info.context, UserRow, self._row.changed_by)
        return None if row is None else User.of(row)


@strawberry.type
class Deal(Node):
    title: str
    source: DealSource
    amount: Money
    expected_close_date: dt.date | None
    probability: int
    status: DealStatus
    close_reason: str | None
    closed_at: dt.datetime | None
    internal_notes: str | None = strawberry.field(description="Vendor-only notes; masked for partners and customers.")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    archived_at: dt.datetime | None
    _row: strawberry.Private[DealRow]

    @classmethod
    def of(cls, row: DealRow) -> Deal:
        return cls(
            id=to_global_id("Deal", row.id),
            title=row.title,
            source=DealSource(row.source),
            amount=Money(amount=row.amount, currency=row.currency),
            expected_close_date=row.expected_close_date,
            probability=row.probability,
            status=DealStatus(row.status),
            close_reason=row.close_reason,
            closed_at=row.closed_at,
            internal_notes=row.internal_notes,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
            _row=row,
        )

    @strawberry.field
    async def customer(self, info: Info) -> Annotated[Customer, strawberry.lazy("schema.customers.types")] | None:
        from schema.customers.types import Customer

        row = await load_one(info.context, CustomerRow, self._row.customer_id)
        return None if row is None else Customer.of(row)

    @strawberry.field
    async def partner(self, info: Info) -> Annotated[Partner, strawberry.lazy("schema.partners.types")] | None:
        from schema.partners.types import Partner

        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)

    @strawberry.field
    async def stage(self, info: Info) -> PipelineStage:
        return PipelineStage.of(await load_one(info.context, StageRow, self._row.stage_id))

    @strawberry.field
    async def owner(self, info: Info) -> UserRef | None:
        from schema.identity.types import User

        row = await load_one(info.context, UserRow, self._row.owner_id)
        return None if row is None else User.of(row)

    @strawberry.field
    async def stage_history(self, info: Info, first: int = 50) -> list[DealStageChangeEntry]:
        rows = await children(
            info.context,
            DealStageChange,
            DealStageChange.deal_id,
            [DealStageChange.changed_at, DealStageChange.id],
            nested_limit(first),
        ).load(self._row.id)
        return [DealStageChangeEntry(changed_at=r.changed_at, _row=r) for r in rows]

    @strawberry.field
    async def activities(
        self, info: Info, first: int = 20
    ) -> list[Annotated[Activity, strawberry.lazy("schema.activities.types")]]:
        from schema.activities.types import activities_by

        return await activities_by(info, ActivityRow.deal_id, self._row.id, first)


@strawberry.type
class PipelineStageTotal:
    stage: PipelineStage
    deal_count: int
    amounts: list[Money] = strawberry.field(description="One sum per currency.")


async def deals_by(info: Info, column, parent_id, first: int) -> list[Deal]:
    """A parent's newest deals (by customer or partner), batched with every sibling's."""
    rows = await children(
        info.context, DealRow, column, [DealRow.created_at.desc(), DealRow.id], nested_limit(first)
    ).load(parent_id)
    return [Deal.of(r) for r in rows]

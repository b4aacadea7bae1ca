"""Deals: listing with filters, create, update, stage moves with history, closing, partner assignment."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from authz.principal import Principal
from tenants import records
from tenants.base import current_tenant
from tenants.database import driver_of
from tenants.deals import changes as deal_changes
from tenants.deals import writes
from tenants.deals.models import DEAL_SOURCES, Deal, DealStageChange, PipelineStage
from tenants.errors import BadInput, Conflict
from tenants.filters import Criterion, Listing
from tenants.outbox.events import emit
from tenants.pagination import SortKey
from tenants.partners.models import Partner
from tenants.text_search import contains

ORDERS = {
    "CREATED_AT": [SortKey(Deal.created_at, descending=True, kind=dt.datetime), SortKey(Deal.id, kind=uuid.UUID)],
    "UPDATED_AT": [SortKey(Deal.updated_at, descending=True, kind=dt.datetime), SortKey(Deal.id, kind=uuid.UUID)],
    "AMOUNT": [SortKey(Deal.amount, descending=True, kind=decimal.Decimal), SortKey(Deal.id, kind=uuid.UUID)],
    "TITLE": [SortKey(Deal.title), SortKey(Deal.id, kind=uuid.UUID)],
}
STAGE_HISTORY_ORDER = [
    SortKey(DealStageChange.changed_at, kind=dt.datetime),
    SortKey(DealStageChange.id, kind=uuid.UUID),
]

DEALS = Listing(
    Deal,
    {
        "stage_id": Criterion(lambda v: Deal.stage_id == v),
        "partner_id": Criterion(lambda v: Deal.partner_id == v),
        "customer_id": Criterion(lambda v: Deal.customer_id == v),
        "owner_id": Criterion(lambda v: Deal.owner_id == v),
        "source": Criterion(lambda v: Deal.source == v),
        "status": Criterion(lambda v: Deal.status == v),
        "amount_min": Criterion(lambda v: Deal.amount >= v),
        "amount_max": Criterion(lambda v: Deal.amount <= v),
        "currency": Criterion(lambda v: Deal.currency == v),
        "close_date_from": Criterion(lambda v: Deal.expected_close_date >= v),
        "close_date_to": Criterion(lambda v: Deal.expected_close_date <= v),
        "search": Criterion(lambda v: Deal.title.ilike(v), prepare=contains),
    },
    ORDERS,
)


async def _stage_of_kind(session: AsyncSession, kind: str) -> PipelineStage:
    stmt = select(PipelineStage).where(PipelineStage.kind == kind).order_by(PipelineStage.position).limit(1)
    stage = (await session.execute(stmt)).scalar_one_or_none()
    if stage is None:
        raise Conflict(f"the pipeline has no {kind} stage")
    return stage


async def create_deal(session: AsyncSession, principal: Principal, fields: dict[str, Any]) -> Deal:
    """A new open deal (`tenants.deals.writes`: one statement), as a row of the session."""
    columns = await writes.create_deal(await driver_of(session), principal, fields)
    deal = Deal(**columns)
    make_transient_to_detached(deal)
    session.add(deal)  # persistent, as written: nothing left to flush
    return deal


async def _stage_changed(
    session: AsyncSession,
    principal: Principal,
    deal: Deal,
    from_stage: uuid.UUID | None,
    to_stage: uuid.UUID,
    event: str,
    payload: dict[str, Any],
) -> None:
    """The deal's stage history row and its domain event, in the change's transaction."""
    session.add(
        DealStageChange(
            tenant_id=principal.tenant_id,
            deal_id=deal.id,
            from_stage_id=from_stage,
            to_stage_id=to_stage,
            changed_by=principal.user_id,
        )
    )
    stages = {"from_stage_id": str(from_stage) if from_stage else None, "to_stage_id": str(to_stage)}
    emit(session, principal, event, "Deal", deal.id, stages | payload)
    await session.flush()


async def update_deal(
    session: AsyncSession, principal: Principal, deal_id: uuid.UUID, version: int, changes: dict[str, Any]
) -> Deal:
    """`tenants.deals.changes.update_deal` (one statement), the deal read back into the session."""
    await deal_changes.update_deal(await driver_of(session), principal, deal_id, version, changes)
    return await _reloaded(session, deal_id)


async def move_stage(
    session: AsyncSession, principal: Principal, deal_id: uuid.UUID, version: int, stage_id: uuid.UUID
) -> Deal:
    """`tenants.deals.changes.move_stage` (one statement), the deal read back into the session."""
    await deal_changes.move_stage(await driver_of(session), principal, deal_id, version, stage_id)
    return await _reloaded(session, deal_id)


async def _reloaded(session: AsyncSession, deal_id: uuid.UUID) -> Deal:
    """The deal as the statement left it (a copy in the session is refreshed), for the caller who changed it."""
    stmt = select(Deal).where(Deal.id == deal_id).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one()


async def close_deal(
    session: AsyncSession, principal: Principal, deal_id: uuid.UUID, version: int, *, won: bool, reason: str | None
) -> Deal:
    if not won and not (reason or "").strip():
        raise BadInput("a lost deal needs a reason", field="reason")
    stage = await _stage_of_kind(session, "won" if won else "lost")
    deal = await records.lock_for_change(session, Deal, deal_id, version, label="deal")
    if deal.status != "open":
        raise Conflict(f"this deal is already {deal.status}", field="id")
    from_stage = deal.stage_id
    await records.change(
        session,
        principal,
        deal,
        {
            "stage_id": stage.id,
            "status": "won" if won else "lost",
            "probability": 100 if won else 0,
            "close_reason": (reason or "").strip() or None,
            "closed_at": dt.datetime.now(dt.UTC),
        },
        action="deal.won" if won else "deal.lost",
    )
    event = "deal.won" if won else "deal.lost"
    payload = {"amount": str(deal.amount), "currency": deal.currency, "reason": deal.close_reason}
    await _stage_changed(session, principal, deal, from_stage, stage.id, event, payload)
    return deal


async def assign_partner(
    session: AsyncSession,
    principal: Principal,
    deal_id: uuid.UUID,
    version: int,
    partner_id: uuid.UUID | None,
    source: str | None,
) -> Deal:
    if partner_id is not None:
        await records.load(session, Partner, partner_id, label="partner")
    source = source or ("partner_influenced" if partner_id else "direct")
    if source not in DEAL_SOURCES:
        raise BadInput(f"source must be one of {', '.join(DEAL_SOURCES)}", field="source")
    if source != "direct" and partner_id is None:
        raise BadInput("a partner-sourced or -influenced deal names its partner", field="partnerId")
    deal = await records.lock_for_change(session, Deal, deal_id, version, label="deal")
    await records.change(
        session, principal, deal, {"partner_id": partner_id, "source": source}, action="deal.assign_partner"
    )
    payload = {"partner_id": str(partner_id) if partner_id else None, "source": source}
    emit(session, principal, "deal.partner_assigned", "Deal", deal.id, payload)
    return deal


async def archive_deal(session: AsyncSession, principal: Principal, deal_id: uuid.UUID, version: int) -> Deal:
    return await records.archive(session, principal, Deal, deal_id, version, label="deal")


@dataclass(frozen=True)
class StageTotal:
    stage: PipelineStage
    deal_count: int
    amounts: list[tuple[str, decimal.Decimal]]  # (currency, sum), sums group by currency


def stage_totals() -> Select[uuid.UUID, str, int, decimal.Decimal]:
    """Per stage and currency, the live deals' count and sum, within what the caller may see (the row
    policies decide). Both read paths run this one statement (the compiled one as a CTE)."""
    return (
        select(
            Deal.stage_id,
            Deal.currency,
            func.count().label("deal_count"),
            func.sum(Deal.amount).label("total"),
        )
        .where(Deal.tenant_id == current_tenant(), Deal.archived_at.is_(None))
        .group_by(Deal.stage_id, Deal.currency)
    )


async def pipeline(session: AsyncSession) -> list[StageTotal]:
    """Deal count and amounts per stage (by position; sums by currency)."""
    stages = list((await session.execute(select(PipelineStage).order_by(PipelineStage.position))).scalars())
    counts: dict[uuid.UUID, int] = {}
    amounts: dict[uuid.UUID, list[tuple[str, decimal.Decimal]]] = {}
    for stage_id, currency, deal_count, total in await session.execute(stage_totals().order_by(Deal.currency)):
        counts[stage_id] = counts.get(stage_id, 0) + deal_count
        amounts.setdefault(stage_id, []).append((currency, total))
    return [StageTotal(s, counts.get(s.id, 0), amounts.get(s.id, [])) for s in stages]

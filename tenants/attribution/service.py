"""Revenue by channel: won deals by source and by the partners that touched them, per period.

Periods are calendar months, or fiscal quarters and years (the tenant's fiscal-year start), in the
tenant's time zone, by the day a deal was won. Sums never mix currencies. A deal touched by several
partners counts in full for each of them in `by_partner` (influence is not split).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.attribution.models import DealPartner
from tenants.deals.models import Deal
from tenants.errors import BadInput
from tenants.platform.models import Tenant

GRAINS = ("month", "quarter", "year")
MAX_SPAN = dt.timedelta(days=3660)


@dataclass(frozen=True)
class Revenue:
    period: dt.date
    currency: str
    amount: decimal.Decimal
    deal_count: int
    source: str | None = None
    partner_id: uuid.UUID | None = None
    role: str | None = None


def _period(grain: str, local: ColumnElement[Any], fiscal_start: int) -> ColumnElement[Any]:
    if grain == "month" or fiscal_start == 1:
        return func.date_trunc(grain, local)
    shift = func.make_interval(0, fiscal_start - 1)
    return func.date_trunc(grain, local - shift) + shift


async def _won(
    session: AsyncSession, grain: str, start: dt.date, end: dt.date
) -> Select[uuid.UUID, str, str, decimal.Decimal, dt.date]:
    """Won, live deals closed on local days start..end (inclusive), with their period start."""
    if grain not in GRAINS:
        raise BadInput(f"period must be one of {', '.join(GRAINS)}", field="period")
    if end < start or end - start > MAX_SPAN:
        raise BadInput("the range must run forwards and span at most ten years", field="to")
    zone, fiscal_start = (await session.execute(select(Tenant.time_zone, Tenant.fiscal_year_start_month))).one()
    local = func.timezone(zone, Deal.closed_at)
    return select(
        Deal.id, Deal.source, Deal.currency, Deal.amount, func.date(_period(grain, local, fiscal_start)).label("period")
    ).where(
        Deal.status == "won",
        Deal.archived_at.is_(None),
        local >= start,
        local < literal(end, Date()) + 1,  # the next day, in SQL: date.max has none in Python
    )


async def by_source(session: AsyncSession, grain: str, start: dt.date, end: dt.date) -> list[Revenue]:
    won = (await _won(session, grain, start, end)).subquery()
    rows = await session.execute(
        select(won.c.period, won.c.source, won.c.currency, func.sum(won.c.amount), func.count())
        .group_by(won.c.period, won.c.source, won.c.currency)
        .order_by(won.c.period, won.c.source, won.c.currency)
    )
    return [Revenue(p, c, a, n, source=s) for p, s, c, a, n in rows]


async def by_partner(
    session: AsyncSession, grain: str, start: dt.date, end: dt.date, partner_id: uuid.UUID | None = None
) -> list[Revenue]:
    won = (await _won(session, grain, start, end)).subquery()
    stmt = select(
        won.c.period, DealPartner.partner_id, DealPartner.role, won.c.currency, func.sum(won.c.amount), func.count()
    )
    stmt = stmt.join(DealPartner, and_(DealPartner.deal_id == won.c.id))
    if partner_id is not None:
        stmt = stmt.where(DealPartner.partner_id == partner_id)
    rows = await session.execute(
        stmt.group_by(won.c.period, DealPartner.partner_id, DealPartner.role, won.c.currency).order_by(
            won.c.period, DealPartner.partner_id, DealPartner.role, won.c.currency
        )
    )
    return [Revenue(p, c, a, n, partner_id=pid, role=r) for p, pid, r, c, a, n in rows]


async def touches(session: AsyncSession, deal_id: uuid.UUID) -> list[DealPartner]:
    """The partners that touched one deal, first touch first."""
    stmt = select(DealPartner).where(DealPartner.deal_id == deal_id).order_by(DealPartner.created_at, DealPartner.id)
    return list((await session.execute(stmt)).scalars())

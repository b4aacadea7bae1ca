"""Keyset pagination: pages stay stable under inserts, and cost the same on page 1 and page 1,000."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.errors import BadInput

MAX_PAGE = 100
DEFAULT_PAGE = 20


@dataclass(frozen=True)
class SortKey:
    """One column of an ordering; `kind` restores the value's type from a cursor."""

    column: ColumnElement[Any]
    descending: bool = False
    kind: type = str


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def size(self) -> int:
        if self.first is not None and self.last is not None:
            raise BadInput("pass either first or last, not both", field="first")
        size = self.last if self.last is not None else self.first
        if size is None:
            return DEFAULT_PAGE
        if size < 0 or size > MAX_PAGE:
            raise BadInput(f"page size must be between 0 and {MAX_PAGE}", field="first")
        return size


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def encode_cursor(values: tuple[Any, ...]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(orjson.dumps(plain)).decode().rstrip("=")


def decode_cursor(cursor: str, keys: list[SortKey]) -> tuple[Any, ...]:
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise ValueError
        return tuple(_restore(key.kind, value) for key, value in zip(keys, raw, strict=True))
    except (ValueError, TypeError, AttributeError, decimal.InvalidOperation, orjson.JSONDecodeError):
        raise BadInput("malformed cursor", field="after") from None


def _restore(kind: type, value: str) -> Any:
    if not isinstance(value, str):  # encode_cursor writes strings only
        raise ValueError("cursor values are strings")
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is decimal.Decimal:
        return decimal.Decimal(value)
    if kind is int:
        return int(value)
    return value


def _beyond(keys: list[SortKey], values: tuple[Any, ...], *, forward: bool) -> ColumnElement[bool]:
    """Rows strictly after (forward) or before the cursor in the ordering, any mix of directions."""
    clauses = []
    for i, key in enumerate(keys):
        smaller_next = key.descending == forward  # descending forward, or ascending backward
        step = key.column < values[i] if smaller_next else key.column > values[i]
        equal_prefix = [keys[j].column == values[j] for j in range(i)]
        clauses.append(and_(*equal_prefix, step))
    return or_(*clauses)


async def fetch_page(session: AsyncSession, stmt: Select, keys: list[SortKey], request: PageRequest) -> Page:
    """One page of `stmt` (an entity select) in the order of `keys`, the last key being unique."""
    size = request.size()
    backward = request.last is not None or (request.before is not None and request.first is None)
    if request.after:
        stmt = stmt.where(_beyond(keys, decode_cursor(request.after, keys), forward=True))
    if request.before:
        stmt = stmt.where(_beyond(keys, decode_cursor(request.before, keys), forward=False))
    order = [(k.column.desc() if k.descending != backward else k.column.asc()) for k in keys]
    rows = list((await session.execute(stmt.order_by(*order).limit(size + 1))).scalars())
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    cursors = [encode_cursor(tuple(_key_value(row, k) for k in keys)) for row in rows]
    return Page(
        rows=rows,
        cursors=cursors,
        has_next=more if not backward else request.before is not None,
        has_previous=more if backward else request.after is not None,
    )


def _key_value(row: Any, key: SortKey) -> Any:
    return getattr(row, key.column.key)


async def count(session: AsyncSession, stmt: Select) -> int:
    return (await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))).scalar_one()

"""Keyset pagination: pages stay stable under inserts, and cost the same on page 1 and page 1,000.

One definition each of an ordering, the keyset condition ("rows beyond this cursor") and the cursor itself,
used by both read paths: the resolver path runs them over the model's columns, the compiled read path over
its own alias (pass `column`). Cursors are built by PostgreSQL and parsed here.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import sql_forms
from tenants.errors import BadInput

MAX_PAGE = 100
DEFAULT_PAGE = 20


@dataclass(frozen=True)
class SortKey:
    """One column of an ordering; `kind` restores the value's type from a cursor."""

    column: Any  # a mapped attribute of the listed model
    descending: bool = False
    kind: type = str


Column = Callable[[SortKey], ColumnElement[Any]]


def _own(key: SortKey) -> ColumnElement[Any]:
    return cast("ColumnElement[Any]", key.column)  # a mapped attribute, used as the column it maps


def page_size(size: int, *, maximum: int = MAX_PAGE, field: str = "first") -> int:
    """The one bound of every page size (`first`, `last`, `limit`, nested lists' `first`): 0 to `maximum`."""
    if size < 0 or size > maximum:
        raise BadInput(f"page size must be between 0 and {maximum}", field=field)
    return size


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
        return page_size(size, field="last" if self.last is not None else "first")

    @property
    def backward(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def ordering(keys: Sequence[SortKey], *, backward: bool = False, column: Column = _own) -> list[ColumnElement[Any]]:
    return [column(k).desc() if k.descending != backward else column(k).asc() for k in keys]


def beyond(
    keys: Sequence[SortKey], values: Sequence[Any], *, forward: bool, column: Column = _own
) -> ColumnElement[bool]:
    """Rows strictly after (forward) or before the cursor in the ordering, any mix of directions."""
    clauses = []
    for i, key in enumerate(keys):
        smaller_next = key.descending == forward  # descending forward, or ascending backward
        step = column(key) < values[i] if smaller_next else column(key) > values[i]
        equal_prefix = [column(keys[j]) == values[j] for j in range(i)]
        clauses.append(and_(*equal_prefix, step))
    return or_(*clauses)


def cursor_of(keys: Sequence[SortKey], *, column: Column = _own) -> ColumnElement[str]:
    """A row's cursor: base64url of the compact JSON list of its sort values as text (see `decode_cursor`)."""
    parts = [sql_forms.json_string(sql_forms.text_of(column(k), k.kind)) for k in keys]
    listed = sql_forms.constant("[").concat(parts[0])
    for part in parts[1:]:
        listed = listed.concat(sql_forms.constant(",")).concat(part)
    return sql_forms.base64url(listed.concat(sql_forms.constant("]")))


def decode_cursor(cursor: str, keys: Sequence[SortKey], *, field: str = "after") -> tuple[Any, ...]:
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise ValueError
        return tuple(_restore(key.kind, value) for key, value in zip(keys, raw, strict=True))
    except (ValueError, TypeError, AttributeError, decimal.InvalidOperation, orjson.JSONDecodeError):
        raise BadInput("malformed cursor", field=field) from None


def _restore(kind: type, value: str) -> Any:
    if not isinstance(value, str):  # cursors hold strings only
        raise ValueError("cursor values are strings")
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is decimal.Decimal:
        found = decimal.Decimal(value)
        if not found.is_finite():
            raise ValueError("not a finite number")
        return found
    if kind is int:
        return int(value)
    return value


async def fetch_page(session: AsyncSession, stmt: Select[Any], keys: list[SortKey], request: PageRequest) -> Page:
    """One page of `stmt` (an entity select) in the order of `keys`, the last key being unique."""
    size = request.size()
    backward = request.backward
    if request.after:
        stmt = stmt.where(beyond(keys, decode_cursor(request.after, keys), forward=True))
    if request.before:
        stmt = stmt.where(beyond(keys, decode_cursor(request.before, keys, field="before"), forward=False))
    stmt = stmt.add_columns(cursor_of(keys)).order_by(*ordering(keys, backward=backward)).limit(size + 1)
    found = list(await session.execute(stmt))
    more = len(found) > size
    found = found[:size]
    if backward:
        found.reverse()
    return Page(
        rows=[row[0] for row in found],
        cursors=[row[1] for row in found],
        has_next=more if not backward else request.before is not None,
        has_previous=more if backward else request.after is not None,
    )


async def count(session: AsyncSession, stmt: Select[Any]) -> int:
    return (await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))).scalar_one()

"""Per-request DataLoaders: every list or reference resolves in one statement per batch, never per row.

`by_id(Model)` loads rows by primary key; `children(Model, column, order, limit)` loads, for many parents
at once, each parent's first `limit` rows (a window function keeps it one statement). Both run in the
request's read transaction, so row policies scope every batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased
from strawberry.dataloader import DataLoader

from schema.context import Context


def _by_id_factory(model: type) -> Any:
    def factory(context: Context) -> DataLoader:
        async def load(keys: Sequence[uuid.UUID]) -> list[Any]:
            async with context.db.reading() as session:
                rows = (await session.execute(select(model).where(model.id.in_(list(set(keys)))))).scalars()
                found = {row.id: row for row in rows}
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=load)

    return factory


def by_id(context: Context, model: type) -> DataLoader:
    return context.loader(f"{model.__name__}.id", _by_id_factory(model))


async def load_one(context: Context, model: type, id_: uuid.UUID | None) -> Any:
    return None if id_ is None else await by_id(context, model).load(id_)


def children(
    context: Context,
    model: type,
    column: Any,
    order: Sequence[ColumnElement],
    limit: int,
    *,
    live_only: bool = True,
) -> DataLoader:
    """Rows of `model` grouped by `column` (a parent id), the first `limit` of each in `order`."""
    key = f"{model.__name__}.{column.key}.{limit}.{live_only}.{[str(o) for o in order]}"

    def factory(ctx: Context) -> DataLoader:
        async def load(keys: Sequence[uuid.UUID]) -> list[list[Any]]:
            rank = func.row_number().over(partition_by=column, order_by=list(order)).label("rank")
            inner = select(model, rank).where(column.in_(list(set(keys))))
            if live_only and hasattr(model, "archived_at"):
                inner = inner.where(model.archived_at.is_(None))
            ranked = inner.subquery()
            row = aliased(model, ranked)
            stmt = select(row).where(ranked.c.rank <= limit).order_by(ranked.c.rank)
            grouped: dict[uuid.UUID, list[Any]] = {}
            async with ctx.db.reading() as session:
                for item in (await session.execute(stmt)).scalars():
                    grouped.setdefault(getattr(item, column.key), []).append(item)
            return [grouped.get(k, []) for k in keys]

        return DataLoader(load_fn=load)

    return context.loader(key, factory)

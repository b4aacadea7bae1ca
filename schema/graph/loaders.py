"""Per-request DataLoaders: every reference or list resolves in one statement per batch, never per row.

`by_id(Model)` loads rows by primary key; `child_rows` loads, for many parents at once, each parent's first
`limit` rows (a window function keeps it one statement), directly or through a link table; `attribute`
reads a row's value, batching SQL expressions (`column_property`) into one statement per field. All run in
the request's read transaction, so row policies scope every batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column as TableColumn
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from strawberry.dataloader import DataLoader

from schema.context import Context
from tenants.pagination import SortKey, ordering

if TYPE_CHECKING:
    from schema.graph.fields import Children


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


async def load_many(context: Context, model: type, ids: Sequence[uuid.UUID]) -> list[Any]:
    """The rows of `ids` the caller may see, in the order of `ids`."""
    rows = await by_id(context, model).load_many(list(ids))
    return [row for row in rows if row is not None]


def is_table_column(model: type, key: str) -> bool:
    """Whether `key` is a column of the model's own table (not a `column_property` expression)."""
    columns = model.__mapper__.column_attrs[key].columns
    return len(columns) == 1 and isinstance(columns[0], TableColumn) and columns[0].table is model.__table__


async def attribute(context: Context, model: type, key: str, row: Any) -> Any:
    """`row.<key>`: read from the row for a table column, batched by id for an SQL expression."""
    if is_table_column(model, key):
        return getattr(row, key)
    return await expression(context, model, key).load(row.id)


def expression(context: Context, model: type, key: str) -> DataLoader:
    def factory(ctx: Context) -> DataLoader:
        async def load(keys: Sequence[uuid.UUID]) -> list[Any]:
            stmt = select(model.id, getattr(model, key)).where(model.id.in_(list(set(keys))))
            async with ctx.db.reading() as session:
                found = {key: value for key, value in await session.execute(stmt)}
            return [found.get(k) for k in keys]

        return DataLoader(load_fn=load)

    return context.loader(f"{model.__name__}.{key}()", factory)


def _ranked(model: type, column: Any, order: Sequence[SortKey], keys: Sequence[uuid.UUID], limit: int, live: bool):
    rank = func.row_number().over(partition_by=column, order_by=ordering(order)).label("rank")
    inner = select(model, rank).where(column.in_(list(set(keys))))
    if live and hasattr(model, "archived_at"):
        inner = inner.where(model.archived_at.is_(None))
    ranked = inner.subquery()
    return select(aliased(model, ranked)).where(ranked.c.rank <= limit).order_by(ranked.c.rank)


async def child_rows(context: Context, spec: Children, model: type, parent_id: uuid.UUID, limit: int) -> list[Any]:
    """The first `limit` child rows of one parent, batched with every sibling's."""
    link = spec.through
    source = model if link is None else link.model
    column = getattr(source, spec.column if link is None else link.parent)
    order = spec.order if link is None else link.order
    key = f"{source.__name__}.{column.key}.{limit}.{[(k.column.key, k.descending) for k in order]}"

    def factory(ctx: Context) -> DataLoader:
        async def load(keys: Sequence[uuid.UUID]) -> list[list[Any]]:
            grouped: dict[uuid.UUID, list[Any]] = {}
            async with ctx.db.reading() as session:
                for item in (
                    await session.execute(_ranked(source, column, order, keys, limit, link is None))
                ).scalars():
                    grouped.setdefault(getattr(item, column.key), []).append(item)
            return [grouped.get(k, []) for k in keys]

        return DataLoader(load_fn=load)

    rows = await context.loader(key, factory).load(parent_id)
    if link is None:
        return rows
    return await load_many(context, model, [getattr(row, link.target) for row in rows])

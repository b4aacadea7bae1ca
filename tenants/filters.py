"""List queries declared once: a `Listing` names a table's filters (criteria) and orders, and both read paths
apply them — the resolver path with values, the compiled read path with bound parameters — so both read
exactly the same rows.

A `Criterion` is one filter: `where(value)` builds its condition from a value or a bound parameter, and
`prepare` turns the caller's value into the one that is bound (an escaped ILIKE pattern, say). A filter counts
when its value is set: neither None nor an empty string (the one meaning of "unset", everywhere).
`include_archived` is the one filter every listing of a versioned table has: archived rows are left out
unless it is true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.sql import visitors

from tenants.pagination import SortKey

INCLUDE_ARCHIVED = "include_archived"


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Criterion:
    where: Callable[[Any], ColumnElement[bool]]
    prepare: Callable[[Any], Any] = _same
    # The model attributes whose values the filter splits rows by, when its condition reads other tables
    # (who may filter is who may read those attributes); by default, the listed table's columns it reads.
    reveals: tuple[Any, ...] | None = None


Criteria = Mapping[str, Criterion]


def active(value: Any) -> bool:
    return value is not None and value != ""


@dataclass(frozen=True)
class Listing:
    """The rows of `model` a list query may return: narrowed by `criteria`, paged in one of `orders`."""

    model: Any
    criteria: Criteria
    orders: Mapping[str, list[SortKey]]
    base: Callable[[], Select[Any]] | None = None  # default: select(model)
    default_order: str = ""
    archivable: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "archivable", hasattr(self.model, "archived_at"))
        if not self.default_order:
            object.__setattr__(self, "default_order", next(iter(self.orders)))
        assert self.default_order in self.orders, self.default_order

    def select(self, values: Mapping[str, Any]) -> Select[Any]:
        """The filtered select for `values` (criterion name -> value), the values inlined as parameters."""
        stmt = self._base(bool(values.get(INCLUDE_ARCHIVED)))
        for name in self.present(values):
            criterion = self.criteria[name]
            stmt = stmt.where(criterion.where(criterion.prepare(values[name])))
        return stmt

    def bound(self, include_archived: bool, names: Iterable[str], prefix: str = "f_") -> Select[Any]:
        """The select narrowed by the named criteria, each with a bound parameter `<prefix><name>` to fill later."""
        stmt = self._base(include_archived)
        for name in names:
            stmt = stmt.where(self.criteria[name].where(bindparam(prefix + name)))
        return stmt

    def present(self, values: Mapping[str, Any]) -> tuple[str, ...]:
        """The names of the criteria that `values` sets, in declaration order."""
        return tuple(name for name in self.criteria if active(values.get(name)))

    def prepared(self, name: str, values: Mapping[str, Any]) -> Any:
        return self.criteria[name].prepare(values[name])

    def revealed(self, name: str) -> tuple[Any, ...]:
        """The model attributes (mapped column properties) a filter or order splits rows by."""
        if name == INCLUDE_ARCHIVED:
            return (self.model.archived_at,)
        criterion = self.criteria[name]
        if criterion.reveals is not None:
            return criterion.reveals
        return _read_columns(self.model, criterion.where(bindparam("value")))

    def _base(self, include_archived: bool) -> Select[Any]:
        stmt = self.base() if self.base is not None else select(self.model)
        if self.archivable and not include_archived:
            stmt = stmt.where(self.model.archived_at.is_(None))
        return stmt


def _read_columns(model: Any, condition: ColumnElement[bool]) -> tuple[Any, ...]:
    """The attributes of `model` whose columns `condition` reads; a column of another table fails, since it
    cannot say what the filter reveals (declare `reveals` for such a criterion)."""
    table = model.__table__
    by_column = {prop.columns[0]: getattr(model, prop.key) for prop in model.__mapper__.column_attrs}
    found: list[Any] = []
    for element in visitors.iterate(condition):
        if not hasattr(element, "table") or element.table is None or not hasattr(element, "key"):
            continue
        if element.table is not table:
            raise ValueError(f"a criterion on {table.name} reads {element.table}.{element.key}: declare `reveals`")
        attribute = by_column[element]
        if attribute not in found:
            found.append(attribute)
    return tuple(found)

"""Optional list filters, declared once: the resolver path applies them with values, the compiled read
path with bound parameters, so both read exactly the same rows.

A `Criterion` is one filter field: `where(value)` builds its condition from a value or a bound parameter,
and `prepare` turns the caller's value into the one that is bound (an escaped ILIKE pattern, say).
A filter field counts when its value is neither None nor an empty string.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Criterion:
    where: Callable[[Any], ColumnElement[bool]]
    prepare: Callable[[Any], Any] = _same


Criteria = Mapping[str, Criterion]


def active(value: Any) -> bool:
    return value is not None and value != ""


def present(criteria: Criteria, values: Any) -> tuple[str, ...]:
    """The names of the criteria that `values` (a filter dataclass) sets."""
    return tuple(name for name in criteria if active(getattr(values, name)))


def filtered(stmt: Select, criteria: Criteria, values: Any) -> Select:
    """`stmt` narrowed by every criterion `values` sets, with the values inlined as parameters."""
    for name in present(criteria, values):
        criterion = criteria[name]
        stmt = stmt.where(criterion.where(criterion.prepare(getattr(values, name))))
    return stmt


def bound(stmt: Select, criteria: Criteria, names: Iterable[str], prefix: str = "f_") -> Select:
    """`stmt` narrowed by the named criteria, each with a bound parameter `<prefix><name>` to fill later."""
    for name in names:
        stmt = stmt.where(criteria[name].where(bindparam(prefix + name)))
    return stmt

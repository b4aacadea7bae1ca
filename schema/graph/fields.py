"""What a field is, declared once: a column, an SQL expression, money, a to-one reference, a child list, or a
field computed in Python — each with who may read it.

Each constructor returns a Strawberry field carrying its `Spec` in the field's metadata. From the spec come
the field's resolver on the resolver path (one generic loader for references, one for child lists), the
compiled read path's SQL (`schema.compiled.planner` reads the same spec), and the validation-time mask
(`schema.graph.visibility`). Column names default to the field's Python name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.types import Info

from schema.graph import loaders
from schema.graph.readers import Readers
from tenants.pagination import SortKey, page_size

if TYPE_CHECKING:
    from schema.graph.entities import EntitySpec

GRAPH = "channelgraph"  # the metadata key of a field's spec
MAX_NESTED = 100


@dataclass(eq=False)
class Spec:
    readers: Readers
    name: str = ""  # the Python name, filled in by the entity declaration

    def attributes(self) -> tuple[str, ...]:
        """The model attributes whose values this field shows (what a filter or order over them reveals)."""
        return ()


@dataclass(eq=False)
class Column(Spec):
    """A column of the entity's own table, or a mapped SQL expression (a `column_property`) over its row."""

    column: str = ""

    def attributes(self) -> tuple[str, ...]:
        return (self.column,)


@dataclass(eq=False)
class Money(Spec):
    amount: str = "amount"
    currency: str = "currency"

    def attributes(self) -> tuple[str, ...]:
        return (self.amount, self.currency)


@dataclass(eq=False)
class Reference(Spec):
    """A to-one field: the target row whose id the parent holds in `column` (null when out of scope)."""

    column: str = ""
    target: EntitySpec | None = None  # bound when the schema is built

    def attributes(self) -> tuple[str, ...]:
        return (self.column,)


@dataclass(eq=False)
class ForeignId(Spec):
    """Another object's global id, from a column holding its uuid (the object itself is not loaded)."""

    column: str = ""
    type_name: str = ""

    def attributes(self) -> tuple[str, ...]:
        return (self.column,)


@dataclass(frozen=True)
class Link:
    """Child rows reached through a link table: `parent` holds the parent's id, `target` the child's id."""

    model: Any
    parent: str
    target: str
    order: Sequence[SortKey]


@dataclass(eq=False)
class Children(Spec):
    """A nested list: the target rows whose `column` holds the parent's id, the first `first` in `order`
    (archived rows left out where the table has them). With `through`, the rows a link table names."""

    column: str = ""
    order: Sequence[SortKey] = ()
    first: int = 20
    through: Link | None = None
    target: EntitySpec | None = None  # bound when the schema is built


@dataclass(eq=False)
class Computed(Spec):
    """A field only Python can compute: the compiled read path leaves the operation to the resolver path."""


@dataclass(eq=False)
class Plain(Spec):
    """A field of a plain object (a payload, a page's plumbing): it shows what its type's declaration allows."""

    extras: dict[str, Any] = field(default_factory=dict)


def column(readers: Readers, *, column: str = "", description: str | None = None) -> Any:
    """A value read from the row: a table column, or a `column_property` expression (computed in SQL by both
    read paths). An enum-typed field converts the stored value to its member."""
    return strawberry.field(description=description, metadata={GRAPH: Column(readers, column=column)})


def money(readers: Readers, *, amount: str = "amount", currency: str = "currency", description: str | None = None):
    return strawberry.field(description=description, metadata={GRAPH: Money(readers, amount=amount, currency=currency)})


def foreign_id(column: str, type_name: str, readers: Readers, *, description: str | None = None) -> Any:
    spec = ForeignId(readers, column=column, type_name=type_name)
    return strawberry.field(description=description, metadata={GRAPH: spec})


def reference(column: str, readers: Readers, *, description: str | None = None) -> Any:
    spec = Reference(readers, column=column)

    async def resolve(self: Any, info: Info) -> Any:
        target = spec.target
        assert target is not None, f"{spec.name}: the schema was not built"
        key = await loaders.attribute(info.context, type(self).__graph__.model, spec.column, self._row)
        row = await loaders.load_one(info.context, target.model, key)
        return None if row is None else target.of(row)

    return strawberry.field(resolver=resolve, description=description, metadata={GRAPH: spec})


def children(
    column: str,
    order: Sequence[SortKey],
    readers: Readers,
    *,
    first: int = 20,
    through: Link | None = None,
    description: str | None = None,
) -> Any:
    spec = Children(readers, column=column, order=tuple(order), first=first, through=through)

    async def resolve(self: Any, info: Info, first: int = first) -> Any:
        target = spec.target
        assert target is not None, f"{spec.name}: the schema was not built"
        rows = await loaders.child_rows(info.context, spec, target.model, self._row.id, nested_limit(first))
        return [target.of(row) for row in rows]

    return strawberry.field(resolver=resolve, description=description, metadata={GRAPH: spec})


def computed(readers: Readers, *, description: str | None = None) -> Callable[[Callable[..., Any]], Any]:
    """Decorates a method that computes the field in Python."""

    def wrap(method: Callable[..., Any]) -> Any:
        return strawberry.field(resolver=method, description=description, metadata={GRAPH: Computed(readers)})

    return wrap


def nested_limit(first: int) -> int:
    """Nested lists take `first` (default 20), at most 100."""
    return page_size(first, maximum=MAX_NESTED)

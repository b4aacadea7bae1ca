"""Root fields declared once: a connection over a `tenants.filters.Listing`, a lookup by global id, all rows of
a small table. Each generates its resolver (the resolver path) and carries its spec for the compiled read path.

Filters and orders follow the entity's declaration: a filter input's fields are named after the listing's
criteria; an id filter decodes the global id of the type its column references; an order enum is made from
the listing's orders. A filter, order or search over a field the caller may not read is refused like
selecting it (FORBIDDEN naming the field) — on both read paths, by `refused_argument`. The default order is
always allowed.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
from dataclasses import dataclass, field
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from authz.actions import Action
from schema.errors import CodedError
from schema.graph import loaders
from schema.graph.entities import EntitySpec, Undeclared
from schema.graph.fields import GRAPH, ForeignId, Reference
from schema.graph.ids import from_global_id
from schema.graph.visibility import Masked, masked_for
from schema.permissions import requires
from schema.relay import Connection
from tenants.errors import NotFound
from tenants.filters import INCLUDE_ARCHIVED, Listing
from tenants.pagination import PageRequest, SortKey, count, fetch_page, ordering


@dataclass(eq=False)
class ListingRoot:
    """A root connection over `listing`, showing objects of the entity class `cls`."""

    cls: Any
    listing: Listing
    filter_input: Any | None
    order_enum: Any | None
    default_order: Any | None
    arguments: dict[str, Any] = field(default_factory=dict)  # filters given as root arguments: name -> type
    _fields: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # criterion -> revealed
    _ids: dict[str, str] = field(default_factory=dict)  # id criterion -> the type its global ids name

    @property
    def entity(self) -> EntitySpec:
        return self.cls.__graph__

    def bind(self, graphql_names: dict[str, str]) -> None:
        """Work out, from the entity's declaration, what each filter and order reveals and what type an id
        filter's global ids name (when the schema is built: an undeclarable filter refuses the schema)."""
        entity = self.entity
        showing: dict[str, list[str]] = {}
        references: dict[str, str] = {}
        for spec in entity.fields.values():
            for attribute in spec.attributes():
                showing.setdefault(attribute, []).append(graphql_names[spec.name])
            if isinstance(spec, Reference) and spec.target is not None:
                references[spec.column] = spec.target.name
            elif isinstance(spec, ForeignId):
                references[spec.column] = spec.type_name

        def revealed(attributes: tuple[Any, ...], what: str) -> tuple[tuple[str, ...], ...]:
            found = []
            for attribute in attributes:
                if attribute.key == "id":
                    continue
                if attribute.key not in showing:
                    raise Undeclared(f"{entity.name}: {what} splits rows by {attribute.key}, which no field shows")
                found.append(tuple(showing[attribute.key]))
            return tuple(found)

        inputs = get_object_definition(self.filter_input, strict=True).fields if self.filter_input else []
        given = [(f.python_name, f.type) for f in inputs] + list(self.arguments.items())
        for name, type_ in given:
            if name != INCLUDE_ARCHIVED and name not in self.listing.criteria:
                raise Undeclared(f"{entity.name}: filter {name} names no criterion of the listing")
            attributes = self.listing.revealed(name)
            self._fields[name] = revealed(attributes, f"filter {name}")
            if _unwrapped(type_) is strawberry.ID:
                target = references.get(attributes[0].key) if len(attributes) == 1 else None
                if target is None:
                    raise Undeclared(f"id filter {name} of {entity.name} reads no one reference")
                self._ids[name] = target
        for order, keys in self.listing.orders.items():
            self._fields[f"order:{order}"] = revealed(tuple(k.column for k in keys), f"order {order}")

    def values(self, arguments: dict[str, Any], *, decode: bool = True) -> dict[str, Any]:
        """The filter input and filter arguments as criterion name -> value: ids decoded (a wrong one is
        NOT_FOUND; `decode=False` leaves them as given, which is enough to know what is set), enums to their
        values."""
        given = arguments.get("filter")
        raw_values = {f.name: getattr(given, f.name) for f in dataclasses.fields(given)} if given is not None else {}
        raw_values.update((name, arguments.get(name)) for name in self.arguments)
        out: dict[str, Any] = {}
        for name, raw in raw_values.items():
            if raw is None or raw is strawberry.UNSET:
                continue
            if name in self._ids:
                if decode:
                    raw = from_global_id(raw, self._ids[name])[1]
            elif isinstance(raw, enum.Enum):
                raw = raw.value
            out[name] = raw
        return out

    def order_name(self, order: Any) -> str:
        return self.listing.default_order if order is None else order.value

    def refused_argument(self, values: dict[str, Any], order: str, masked: Masked) -> str | None:
        """The first field a filter or order would reveal that the caller may not read, or None."""
        type_name = self.entity.name
        used = list(self.listing.present(values))
        if values.get(INCLUDE_ARCHIVED):
            used.append(INCLUDE_ARCHIVED)
        if order != self.listing.default_order:
            used.append(f"order:{order}")
        for name in used:
            for alternatives in self._fields.get(name, ()):
                if all((type_name, f) in masked for f in alternatives):
                    return f"{type_name}.{alternatives[0]}"
        return None


def _unwrapped(type_: Any) -> Any:
    """`X` of `X | None` (a Python annotation or Strawberry's optional)."""
    inner = getattr(type_, "of_type", None)
    if inner is not None:
        return inner
    members = [t for t in getattr(type_, "__args__", ()) if t is not type(None)]
    return members[0] if len(members) == 1 else type_


def refused(field_name: str, signed_in: bool) -> CodedError:
    """The error for a filter or order over a field the caller may not read."""
    return CodedError(
        f"filtering or ordering by {field_name} is not available to you",
        "FORBIDDEN" if signed_in else "UNAUTHENTICATED",
        field=field_name,
    )


def order_enum(name: str, listing: Listing, *, description: str | None = None) -> Any:
    """The order enum of a listing: one member per declared order, named as declared."""
    members = enum.Enum(name, {key: key for key in listing.orders})  # type: ignore[misc]
    return strawberry.enum(members, description=description)


def _signature(parameters: list[inspect.Parameter], returns: Any) -> inspect.Signature:
    head = [
        inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Info),
    ]
    return inspect.Signature(head + parameters, return_annotation=returns)


def _keyword(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def connection(
    cls: Any,
    listing: Listing,
    *,
    action: Action,
    filter: Any | None = None,
    order: Any | None = None,
    arguments: dict[str, Any] | None = None,
    description: str | None = None,
) -> Any:
    """`<root>(first, after, last, before, filter, orderBy, ...arguments): <Type>Connection!` over `listing`.
    `arguments` are filters given as root arguments (name -> annotation), each named after a criterion."""
    default = None if order is None else order[listing.default_order]
    spec = ListingRoot(cls, listing, filter, order, default, dict(arguments or {}))

    async def resolve(root: Any, info: Info, **arguments: Any) -> Connection[Any]:
        values = spec.values(arguments)
        order_name = spec.order_name(arguments.get("order_by"))
        rejected = spec.refused_argument(values, order_name, masked_for(info.schema, info.context))
        if rejected is not None:
            raise refused(rejected, info.context.principal.is_authenticated)
        request = PageRequest(*(arguments.get(name) for name in ("first", "after", "last", "before")))
        return await page(info, listing.select(values), listing.orders[order_name], spec.entity.of, request)

    parameters = [
        _keyword("first", int | None, None),
        _keyword("after", str | None, None),
        _keyword("last", int | None, None),
        _keyword("before", str | None, None),
    ]
    if filter is not None:
        parameters.append(_keyword("filter", filter | None, None))
    if order is not None:
        parameters.append(_keyword("order_by", order, default))
    parameters += [_keyword(name, annotation, None) for name, annotation in spec.arguments.items()]
    resolve.__signature__ = _signature(parameters, Connection[cls])  # type: ignore[attr-defined]
    return strawberry.field(
        resolver=resolve,
        permission_classes=[requires(action)],
        description=description,
        metadata={GRAPH: spec},
    )


async def page(info: Info, query: Any, keys: list[SortKey], convert: Any, request: PageRequest) -> Connection[Any]:
    """A page of `query` in `keys` order, read in the request's transaction, with a lazy `totalCount`."""
    db = info.context.db
    async with db.reading() as session:
        found = await fetch_page(session, query, keys, request)

    async def total() -> int:
        async with db.reading() as session:
            return await count(session, query)

    return Connection.of(found, convert, total)


@dataclass(eq=False)
class LookupRoot:
    cls: Any

    @property
    def entity(self) -> EntitySpec:
        return self.cls.__graph__


def lookup(cls: Any, *, action: Action, description: str | None = None) -> Any:
    """`<root>(id: ID!): <Type>`: one object by global id; absent, another tenant's or out of scope are the
    same answer, null with a NOT_FOUND error, and the operation's other fields are unaffected (as `node`)."""
    spec = LookupRoot(cls)

    async def resolve(root: Any, info: Info, id: strawberry.ID) -> Any:
        entity = spec.entity
        _, id_ = from_global_id(id, entity.name)
        row = await loaders.load_one(info.context, entity.model, id_)
        if row is None:
            raise NotFound(f"no such {entity.name}")
        return entity.of(row)

    resolve.__signature__ = _signature(  # type: ignore[attr-defined]
        [inspect.Parameter("id", inspect.Parameter.KEYWORD_ONLY, annotation=strawberry.ID)], cls | None
    )
    return strawberry.field(
        resolver=resolve, permission_classes=[requires(action)], description=description, metadata={GRAPH: spec}
    )


@dataclass(eq=False)
class RowsRoot:
    """Every row of a small table in a fixed order (the tenant's pipeline stages)."""

    cls: Any
    order: tuple[SortKey, ...]

    @property
    def entity(self) -> EntitySpec:
        return self.cls.__graph__


def rows(cls: Any, order: list[SortKey], *, action: Action, description: str | None = None) -> Any:
    spec = RowsRoot(cls, tuple(order))

    async def resolve(root: Any, info: Info) -> list[Any]:
        entity = spec.entity
        async with info.context.db.reading() as session:
            found = (await session.execute(select(entity.model).order_by(*ordering(spec.order)))).scalars()
            return [entity.of(row) for row in found]

    resolve.__signature__ = _signature([], list[cls])  # type: ignore[attr-defined]
    return strawberry.field(
        resolver=resolve, permission_classes=[requires(action)], description=description, metadata={GRAPH: spec}
    )

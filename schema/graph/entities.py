"""Declaring an object type once: `@entity` for types read from a table, `@plain` for the rest.

`@entity(Model, readers=..., action=...)` turns a class whose fields are declared with `schema.graph.fields`
into a Strawberry type, and derives its `of(row)` constructor (columns read from the row, enums converted,
global ids encoded), node resolution (a registry by type name) and its place in the compiled read path.
`readers` says who may reach the type at all (its `id` and `__typename`); every field names its own
readers, never wider. `action` is the action needed to read one (node lookups, references, child lists).

`@plain(readers=...)` declares a payload or plumbing type whose every field shows what the type allows.
`enum(name, values)` makes the GraphQL enum of a model's value tuple: names are the values upper-cased.
"""

from __future__ import annotations

import decimal
import enum as std_enum
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.base import get_object_definition
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField

from authz.actions import Action
from schema.graph.fields import GRAPH, Column, Computed, ForeignId, Money, Reference, Spec
from schema.graph.ids import to_global_id
from schema.graph.readers import Readers

T = TypeVar("T")


class Undeclared(TypeError):
    """A field of the schema says nothing about who may read it: the schema refuses to build."""


@dataclass(eq=False)
class EntitySpec:
    name: str
    model: Any
    readers: Readers
    action: Action | None
    node: bool
    cls: Any = None
    fields: dict[str, Spec] = field(default_factory=dict)  # by Python name
    _convert: list[tuple[str, Callable[[Any], Any]]] | None = None

    def of(self, row: Any) -> Any:
        """The GraphQL object for a row."""
        if self._convert is None:
            self._convert = self._converters()
        values = {name: convert(row) for name, convert in self._convert}
        return self.cls(**values, _row=row)

    def converter(self, name: str) -> Callable[[Any], Any] | None:
        """The enum of a field, if it is enum-typed (for values an expression resolver reads)."""
        definition = get_object_definition(self.cls, strict=True)
        found = next(f for f in definition.fields if f.python_name == name)
        return _enum_of(found.type)

    def _converters(self) -> list[tuple[str, Callable[[Any], Any]]]:
        found: list[tuple[str, Callable[[Any], Any]]] = []
        if self.node:
            found.append(("id", lambda row, name=self.name: to_global_id(name, row.id)))
        definition = get_object_definition(self.cls, strict=True)
        from schema.graph.loaders import is_table_column

        for strawberry_field in definition.fields:
            spec = self.fields.get(strawberry_field.python_name)
            if isinstance(spec, Column) and is_table_column(self.model, spec.column):
                found.append((spec.name, _column_converter(spec.column, strawberry_field.type)))
            elif isinstance(spec, Money):
                found.append((spec.name, _money_converter(self.model, spec, strawberry_field.type)))
            elif isinstance(spec, ForeignId):
                found.append((spec.name, _foreign_id_converter(spec)))
        return found


def _column_converter(column: str, type_: Any) -> Callable[[Any], Any]:
    enum_class = _enum_of(type_)
    if enum_class is None:
        return lambda row: getattr(row, column)
    return lambda row: None if getattr(row, column) is None else enum_class(getattr(row, column))


def _foreign_id_converter(spec: ForeignId) -> Callable[[Any], Any]:
    def convert(row: Any) -> Any:
        value = getattr(row, spec.column)
        return None if value is None else to_global_id(spec.type_name, value)

    return convert


def _money_converter(model: Any, spec: Money, type_: Any) -> Callable[[Any], Any]:
    """Money from two columns; the amount at the column's scale, as the database stores it (a row just written
    holds the client's own spelling, `12.5`, where a read gives `12.50`)."""
    money = getattr(type_, "of_type", type_)
    scale = getattr(model.__table__.c[spec.amount].type, "scale", None)
    step = None if scale is None else decimal.Decimal(1).scaleb(-scale)

    def convert(row: Any) -> Any:
        amount = getattr(row, spec.amount)
        if step is not None and isinstance(amount, decimal.Decimal) and amount.is_finite():
            amount = amount.quantize(step)
        return money(amount=amount, currency=getattr(row, spec.currency))

    return convert


def _enum_of(type_: Any) -> type[std_enum.Enum] | None:
    inner = getattr(type_, "of_type", type_)
    if isinstance(inner, StrawberryEnumDefinition):
        return inner.wrapped_cls
    definition = getattr(inner, "__strawberry_definition__", None)
    if isinstance(definition, StrawberryEnumDefinition):
        return definition.wrapped_cls
    return None


ENTITIES: dict[str, EntitySpec] = {}


def entity(
    model: Any,
    *,
    readers: Readers,
    action: Action | None,
    node: bool = True,
    name: str | None = None,
    description: str | None = None,
) -> Callable[[type[T]], type[T]]:
    def declare(cls: type[T]) -> type[T]:
        type_name = name or cls.__name__
        cls.__annotations__["_row"] = strawberry.Private[Any]
        _expressions_resolved(cls, model)
        decorated = strawberry.type(cls, name=name, description=description)
        spec = EntitySpec(type_name, model, readers, action, node, decorated)
        for strawberry_field in get_object_definition(decorated, strict=True).fields:
            if node and strawberry_field.python_name == "id":
                continue
            found = strawberry_field.metadata.get(GRAPH)
            if found is None:
                raise Undeclared(f"{type_name}.{strawberry_field.python_name} declares no readers")
            if not found.readers.within(readers):
                raise Undeclared(f"{type_name}.{strawberry_field.python_name}: {found.readers} is wider than {readers}")
            found.name = strawberry_field.python_name
            if isinstance(found, Column) and not found.column:
                found.column = strawberry_field.python_name
            if isinstance(found, Column | Money | Reference | ForeignId):
                _check_columns(model, type_name, found)
            spec.fields[found.name] = found
        decorated.__graph__ = spec  # type: ignore[attr-defined]
        decorated.of = classmethod(lambda c, row: spec.of(row))  # type: ignore[attr-defined]
        if type_name in ENTITIES:
            raise ValueError(f"two entities named {type_name}")
        ENTITIES[type_name] = spec
        return decorated

    return declare


def _expressions_resolved(cls: Any, model: Any) -> None:
    """A column field over an SQL expression (not a table column) gets a resolver that batches the expression's
    values by id; a plain column stays a plain attribute, set by `of(row)`."""
    from schema.graph.loaders import attribute, is_table_column

    for key, value in list(vars(cls).items()):
        spec = value.metadata.get(GRAPH) if isinstance(value, StrawberryField) else None
        if not isinstance(spec, Column):
            continue
        name = spec.column or key
        if name not in model.__mapper__.column_attrs or is_table_column(model, name):
            continue

        async def resolve(self: Any, info: Info, name: str = name, key: str = key) -> Any:
            value = await attribute(info.context, model, name, self._row)
            convert = type(self).__graph__.converter(key)
            return value if convert is None or value is None else convert(value)

        resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Info),
            ]
        )
        setattr(cls, key, strawberry.field(resolver=resolve, description=value.description, metadata=value.metadata))


def _check_columns(model: Any, type_name: str, spec: Spec) -> None:
    """Every attribute a field reads exists on the model: a renamed column fails at import, not in a response."""
    mapped = model.__mapper__.column_attrs
    for attribute in spec.attributes():
        if attribute not in mapped:
            raise Undeclared(f"{type_name}.{spec.name} reads {model.__name__}.{attribute}, which is not mapped")


@dataclass(frozen=True)
class PlainSpec:
    readers: Readers


def plain(*, readers: Readers, name: str | None = None, description: str | None = None) -> Callable[[type[T]], type[T]]:
    """A type whose fields all show what `readers` may read (payloads, pages, the viewer)."""

    def declare(cls: type[T]) -> type[T]:
        decorated = strawberry.type(cls, name=name, description=description)
        decorated.__graph__ = PlainSpec(readers)  # type: ignore[attr-defined]
        return decorated

    return declare


def interface(*, readers: Readers, description: str | None = None) -> Callable[[type[T]], type[T]]:
    def declare(cls: type[T]) -> type[T]:
        decorated = strawberry.interface(cls, description=description)
        decorated.__graph__ = PlainSpec(readers)  # type: ignore[attr-defined]
        return decorated

    return declare


def enum(name: str, values: tuple[str, ...], *, description: str | None = None) -> Any:
    """The GraphQL enum of a model's value tuple (`("open", "won")` -> OPEN, WON), so they never drift apart."""
    members = std_enum.Enum(name, {value.upper(): value for value in values})  # type: ignore[misc]
    return strawberry.enum(members, description=description)


__all__ = ["ENTITIES", "Computed", "EntitySpec", "PlainSpec", "Undeclared", "entity", "enum", "interface", "plain"]

"""A field's arguments as its resolver receives them, without resolving Strawberry's annotations per request.

Strawberry's `convert_arguments` resolves every argument's and input field's type annotation on each call,
which cost a compiled request more than its own SQL binding did. Here the resolved types are kept per field
and per input class (the schema is fixed once built), and each value is converted as Strawberry converts
it: input objects field by field into their class (absent fields left to the class's defaults, nullable
ones without a default set to None), everything else — scalars, enums, lists, inputs that build themselves —
by Strawberry's own `convert_argument` with the type already resolved, scalars as they come.
"""

from __future__ import annotations

from dataclasses import MISSING
from typing import Any

from graphql import GraphQLField
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryMaybe, StrawberryOptional, has_object_definition
from strawberry.types.unset import UNSET


class Arguments:
    def __init__(self, schema: Any) -> None:
        self.config = schema.config
        self.registry = schema.schema_converter.scalar_registry
        self._fields: dict[int, tuple[GraphQLField, list[tuple[str, str, Any]]]] = {}
        self._plans: dict[Any, Any] = {}
        self._leaves: dict[Any, bool] = {}

    def convert(self, field: GraphQLField, raw: dict[str, Any]) -> dict[str, Any]:
        """`convert_arguments(raw, <the field's arguments>)`, with the argument types resolved once."""
        found = self._fields.get(id(field))
        if found is None or found[0] is not field:
            definition = field.extensions["strawberry-definition"]
            names = self.config.name_converter
            found = (field, [(names.from_argument(a), a.python_name, a.type) for a in definition.arguments])
            self._fields[id(field)] = found
        return {python: self._value(raw[name], type_) for name, python, type_ in found[1] if name in raw}

    def _value(self, value: Any, type_: Any) -> Any:
        if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
            type_ = type_.of_type
        if value is None or value is UNSET or self._leaf(type_):
            return value
        plan = self._plan(type_) if has_object_definition(type_) else None
        if plan is None:
            return convert_argument(value, type_, self.registry, self.config)
        defaults, fields = plan
        kwargs = dict(defaults)
        for graphql_name, python_name, field_type in fields:
            if graphql_name in value:
                kwargs[python_name] = self._value(value[graphql_name], field_type)
        return type_(**kwargs)

    def _leaf(self, type_: Any) -> bool:
        """A scalar Strawberry passes through unchanged (a relay `GlobalID` is decoded: not one of these)."""
        found = self._leaves.get(type_)
        if found is None:
            found = self._leaves[type_] = type_ is not GlobalID and _hashable_scalar(type_, self.registry)
        return found

    def _plan(self, type_: Any) -> tuple[dict[str, None], list[tuple[str, str, Any]]] | None:
        if type_ not in self._plans:
            self._plans[type_] = _input_plan(type_, self.config)
        return self._plans[type_]


def _input_plan(type_: Any, config: Any) -> tuple[dict[str, None], list[tuple[str, str, Any]]] | None:
    """An input class's (implicit None defaults, [(GraphQL name, Python name, resolved type)]); None for a type
    Strawberry converts otherwise (not an input, or one that builds itself from its input)."""
    definition = type_.__strawberry_definition__
    if not definition.is_input or definition.from_input is not None:
        return None
    defaults = {
        f.python_name: None for f in definition.fields if f.default_value is MISSING and f.default_factory is MISSING
    }
    fields = [
        (config.name_converter.from_field(f), f.python_name, f.resolve_type(type_definition=definition))
        for f in definition.fields
    ]
    return defaults, fields


def _hashable_scalar(type_: Any, registry: Any) -> bool:
    try:
        return bool(is_scalar(type_, registry))
    except TypeError:
        return False

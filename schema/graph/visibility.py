"""Who may read each field of the built schema, and the masks that follow, decided at validation.

`Visibility(schema)` walks every object and interface type once. Each field must say who may read it — its
own spec (`schema.graph.fields`) or its type's `@plain`/`@interface` declaration — or the schema refuses to
build (`Undeclared`). A reference or child list also needs the action that reads its target type. The walk
binds references and child lists to their target entities.

Per caller, the masked set is every (type, field) its audience and actions do not admit; it is cached by
audience and by which of the fields' actions the caller holds. A masked field fails the whole operation at
validation — one error, `FORBIDDEN` naming the first such field (`UNAUTHENTICATED` for a caller who has not
signed in) — on every execution path, since the compiled read path validates with the same rule.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    ValidationRule,
    get_named_type,
)
from graphql.language.visitor import BREAK
from strawberry.extensions import SchemaExtension

from authz.actions import Action
from authz.principal import Audience
from schema.graph.entities import EntitySpec, PlainSpec, Undeclared
from schema.graph.fields import GRAPH, Children, Reference, Spec
from schema.graph.readers import Readers

Masked = frozenset[tuple[str, str]]


def origin_of(type_: GraphQLObjectType | GraphQLInterfaceType) -> Any:
    definition = type_.extensions.get("strawberry-definition")
    return getattr(definition, "origin", None)


def entity_of(type_: Any) -> EntitySpec | None:
    """The entity declaration behind a GraphQL type, if it is one."""
    spec = getattr(origin_of(type_), "__graph__", None) if hasattr(type_, "extensions") else None
    return spec if isinstance(spec, EntitySpec) else None


def spec_of(field: Any) -> Spec | None:
    definition = field.extensions.get("strawberry-definition") if field.extensions else None
    return None if definition is None else definition.metadata.get(GRAPH)


class Visibility:
    def __init__(self, schema: GraphQLSchema) -> None:
        roots = {t.name for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t}
        self.readers: dict[tuple[str, str], Readers] = {}
        self.graphql_names: dict[str, dict[str, str]] = {}  # entity -> Python name -> GraphQL name
        for name, type_ in sorted(schema.type_map.items()):
            if name.startswith("__") or name in roots:
                continue
            if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
                self._declare(type_)
        for root in (schema.query_type, schema.mutation_type):
            for field in (root.fields if root else {}).values():
                spec = spec_of(field)
                if hasattr(spec, "bind"):  # a root listing: its filters and orders follow the entity's fields
                    spec.bind(self.graphql_names[spec.entity.name])
        self.actions: tuple[Action, ...] = tuple(sorted({a for r in self.readers.values() for a in r.actions}))
        self._masked: dict[tuple[Audience, tuple[bool, ...]], Masked] = {}
        self.validations = Validations()

    def _declare(self, type_: GraphQLObjectType | GraphQLInterfaceType) -> None:
        declared = getattr(origin_of(type_), "__graph__", None)
        for field_name, field in type_.fields.items():
            spec = spec_of(field)
            if isinstance(declared, EntitySpec) and spec is not None:
                self.graphql_names.setdefault(declared.name, {})[spec.name] = field_name
            if spec is not None:
                readers = spec.readers
                if isinstance(spec, Reference | Children):
                    target = entity_of(get_named_type(field.type))
                    if target is None:
                        raise Undeclared(
                            f"{type_.name}.{field_name} leads to {get_named_type(field.type)}, not an entity"
                        )
                    spec.target = target
                    if target.action is not None:
                        readers = readers.needs(target.action)
            elif isinstance(declared, EntitySpec) and field_name == "id":
                readers = declared.readers
            elif isinstance(declared, PlainSpec):
                readers = declared.readers
            else:
                raise Undeclared(f"{type_.name}.{field_name} does not say who may read it")
            self.readers[(type_.name, field_name)] = readers

    def masked(self, audience: Audience, allows: Callable[[Action], bool]) -> Masked:
        """The (type, field) pairs a caller of `audience` holding the actions `allows` admits may not read."""
        key = (audience, tuple(allows(action) for action in self.actions))
        found = self._masked.get(key)
        if found is None:
            found = frozenset(f for f, readers in self.readers.items() if not readers.admits(audience, allows))
            self._masked[key] = found
        return found

    def readable(self, audience: Audience, allows: Callable[[Action], bool]) -> dict[str, list[str]]:
        """Per type, the fields a caller may read (for the reviewed per-audience listing)."""
        masked = self.masked(audience, allows)
        found: dict[str, list[str]] = {}
        for type_name, field_name in self.readers:
            if (type_name, field_name) not in masked:
                found.setdefault(type_name, []).append(field_name)
        return found


@lru_cache(maxsize=256)
def mask_rule(masked: Masked, signed_in: bool) -> type[ValidationRule]:
    """One validation rule class per masked set, reused."""
    code = "FORBIDDEN" if signed_in else "UNAUTHENTICATED"

    class FieldMask(ValidationRule):
        def enter_field(self, node: FieldNode, *_args: object) -> Any:
            parent = self.context.get_parent_type()
            if parent is not None and (parent.name, node.name.value) in masked:
                name = f"{parent.name}.{node.name.value}"
                message = f"{name} is not available to you" if signed_in else f"sign in to read {name}"
                self.report_error(GraphQLError(message, node, extensions={"code": code, "field": name}))
                return BREAK  # the operation fails: one error naming the first masked field is the answer
            return None

    return FieldMask


def masked_for(schema: Any, context: Any) -> Masked:
    """The request's masked set (the schema's `Visibility`, the caller's audience and decisions)."""
    return schema.visibility.masked(context.principal.audience, context.decisions.allows)


class Validations:
    """Validation outcomes per (document text, masked set, signed in): the rules besides the mask are the
    schema's own (its limits, fixed when it is built), so those three decide the outcome. Never keyed by the
    document alone: a vendor's "valid" is a partner's FORBIDDEN."""

    def __init__(self, size: int = 1024, longest: int = 20_000) -> None:
        self.size = size
        self.longest = longest  # longer documents are validated every time and stay out of the cache
        self._found: OrderedDict[tuple[str, Masked, bool], list[GraphQLError]] = OrderedDict()

    def get(self, key: tuple[str, Masked, bool]) -> list[GraphQLError] | None:
        found = self._found.get(key)
        if found is not None:
            self._found.move_to_end(key)
        return found

    def put(self, key: tuple[str, Masked, bool], errors: list[GraphQLError]) -> None:
        if len(key[0]) > self.longest:
            return
        self._found[key] = errors
        if len(self._found) > self.size:
            self._found.popitem(last=False)


class FieldMasks(SchemaExtension):
    """Adds the caller's mask rule to validation, and validates each (document, masked set) once: the
    outcome is kept on the schema's `Visibility` (mutations included, which the compiled read path does not
    answer)."""

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        masked = masked_for(execution.schema, context)
        signed_in = bool(context.principal.is_authenticated)
        if masked:
            execution.validation_rules = (*execution.validation_rules, mask_rule(masked, signed_in))
        validations: Validations = execution.schema.visibility.validations
        key = (execution.query or "", masked, signed_in)
        usable = bool(execution.query) and execution.pre_execution_errors is None
        cached = validations.get(key) if usable else None
        if cached is not None:
            execution.pre_execution_errors = list(cached)
        yield
        if usable and cached is None and execution.pre_execution_errors is not None:
            validations.put(key, list(execution.pre_execution_errors))

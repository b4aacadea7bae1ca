"""Compiled reads: a query whose every root field the catalog knows runs as SQL that returns its JSON.

Per request: the document is parsed and validated once per (text, field masks) — the same rules as the
resolver path, masks included, so a masked field fails the same way before anything runs; the plan is built
once per (text, operation, shape of the variables) and re-checked against the request's arguments; the
root fields' actions are checked against the caller's decisions; then each root's statement runs as a
prepared statement in the request's read-only RLS transaction and its JSON text is spliced into the response.

A mutation whose root field declares a lean write is run by `schema.compiled.writes`. Anything else — other
mutations, introspection, a field that needs Python, an invalid document, an argument the resolver would
reject, a lookup that finds nothing — returns None and the request takes the resolver path, which produces
the reference answer (and the reference errors) in a transaction of its own.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
import strawberry
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    is_enum_type,
    parse,
    specified_rules,
    type_from_ast,
    validate,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions.max_aliases import create_validator as create_alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as create_depth_rule

from authz.principal import TENANT_AUDIENCES
from schema.arguments import Site, first_refusal, sites
from schema.compiled import sql
from schema.compiled.arguments import Arguments
from schema.compiled.planner import Plan, Planner, RootPlan, Unsupported
from schema.compiled.writes import CompiledWrites
from schema.context import Context
from schema.errors import forbidden, format_error
from schema.graph.visibility import Masked, mask_rule, masked_for
from tenants.errors import DomainError, NotFound

log = logging.getLogger("channelgraph.compiled")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING = object()
MAX_DOCUMENT = 20_000  # characters; longer documents take the resolver path and stay out of the caches
_UNSUPPORTED = object()


class Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        if len(self._items) > self.size:
            self._items.popitem(last=False)


@dataclass(frozen=True)
class Document:
    operations: dict[str | None, OperationDefinitionNode]
    fragments: dict[str, FragmentDefinitionNode]
    # Per operation, its variables as (name, is an enum): what the plan key's variable shape reads.
    variables: dict[str | None, tuple[tuple[str, bool], ...]]
    # Per operation, the fields it selects that take arguments (checked per request, `schema.arguments`).
    sites: dict[str | None, tuple[Site, ...]]


@dataclass(frozen=True)
class Invalid:
    """A document that fails validation for this caller: the response the resolver path gives it, for an
    operation name that picks a query (anything else is left to the resolver path)."""

    errors: list[dict[str, Any]]
    queries: dict[str | None, bool]

    @property
    def response(self) -> bytes:
        return orjson.dumps({"errors": self.errors})  # a request error: no `data`


@dataclass(frozen=True)
class Answer:
    """A response body; when it carries errors, those as shaped for the client, whether execution began
    (false for a document that fails validation) and whether its data is null (what the status reads)."""

    body: bytes
    executed: bool = True
    errors: list[dict[str, Any]] | None = None
    empty: bool = False


class _Fallback(Exception):
    """The resolver path must answer this request."""


class CompiledReads:
    def __init__(self, schema: strawberry.Schema, *, max_tokens: int, max_depth: int, max_aliases: int) -> None:
        self.schema = schema
        self.graphql_schema = schema._schema
        self.max_tokens = max_tokens
        # The resolver path's own limit rules (strawberry's), so both paths count depth and aliases alike.
        self._limits = (create_depth_rule(max_depth, None), create_alias_rule(max_aliases))
        self.documents: Lru[tuple[str, frozenset], Any] = Lru(1024)
        self.plans: Lru[tuple, Any] = Lru(4096)
        self.writes = CompiledWrites(schema)
        self.arguments = Arguments(schema)
        self.served = 0  # requests answered here; the rest took the resolver path

    async def execute(
        self, query: str, variables: dict[str, Any] | None, operation_name: str | None, context: Context
    ) -> Answer | None:
        """The response, or None when the resolver path must answer."""
        principal = context.principal
        if principal.audience not in TENANT_AUDIENCES or principal.tenant_id is None:
            return None
        masked = masked_for(self.schema, context)
        document = self._document(query, masked)
        if document is None:
            return None
        if isinstance(document, Invalid):
            if document.queries.get(operation_name) is not True:
                return None
            self.served += 1
            return Answer(document.response, executed=False, errors=document.errors, empty=True)
        operation = document.operations.get(operation_name)
        if operation is None or operation.operation not in (OperationType.QUERY, OperationType.MUTATION):
            return None
        values = get_variable_values(self.graphql_schema, operation.variable_definitions or (), variables or {})
        if isinstance(values, list):
            return None
        refused = first_refusal(document.sites[operation_name], values)
        if refused is not None:  # before anything else, as the resolver path's `ArgumentChecks`
            self.served += 1
            shaped = [format_error(refused)]
            return Answer(orjson.dumps({"errors": shaped}), executed=False, errors=shaped, empty=True)
        planner = Planner(self.schema, document.fragments, values, self.arguments)
        if operation.operation is OperationType.MUTATION:
            return await self._write(query, operation_name, document, variables or {}, planner, context)
        plan = self._plan(query, operation_name, document, variables or {}, planner)
        if plan is None:
            return None
        # Each root as the resolver path takes it: its actions, then its arguments, then its rows. One root
        # failing is answered here (a non-null root's error nulls the data); more are left to the resolver path,
        # whose order of several errors is its own.
        failed: tuple[RootPlan, Exception] | None = None
        bound: list[list[Any] | None] = []
        for root in plan.roots:
            parameters = None
            if root.field is not None:
                try:
                    parameters = self._bound(root, planner, context, masked)
                except (DomainError, GraphQLError) as error:
                    if failed is not None:
                        return None
                    failed = (root, error)
                except _Fallback:
                    return None
            bound.append(parameters)
        try:
            parts = await self._run(plan, bound, context)
        except Exception as error:  # the resolver path answers, and reports, in a transaction of its own
            log.debug("compiled read failed, resolver path answers: %s", error)
            return None
        for root, parameters, part in zip(plan.roots, bound, parts, strict=True):
            if root.field is not None and parameters is not None and part is None:
                # A lookup found nothing: an id of what the caller cannot see, or of nothing.
                if failed is not None:
                    return None
                failed = (root, NotFound(f"no such {get_named_type(root.field.type).name}"))
        if failed is not None:
            return self._failed(plan, parts, *failed)
        self.served += 1
        return Answer(b'{"data":{' + b",".join(part for part in parts if part is not None) + b"}}")

    @staticmethod
    def _bound(root: RootPlan, planner: Planner, context: Context, masked: Masked) -> list[Any]:
        refused = next((action for action in sorted(root.actions) if not context.allows(action)), None)
        if refused is not None:
            raise forbidden(f"not allowed: {refused}", action=str(refused))
        try:
            structure, parameters = root.bind(planner.arguments(root.field, root.node), masked)
        except (DomainError, GraphQLError):
            raise
        except Exception as error:
            log.debug("compiled read not bound, resolver path answers: %s", error)
            raise _Fallback from error
        if structure != root.structure:
            raise _Fallback
        return parameters

    def _failed(self, plan: Plan, parts: list[bytes | None], root: RootPlan, error: Exception) -> Answer:
        """The answer of an operation whose one root field fails, as the resolver path gives it: a nullable
        root (a lookup) is null beside its siblings' data; a non-null root's error nulls the data."""
        located = GraphQLError(str(error), [root.node], path=[root.key], original_error=error)
        self.served += 1
        shaped = [format_error(located)]
        errors = orjson.dumps(shaped)
        if not root.nullable:
            return Answer(b'{"errors":' + errors + b',"data":null}', errors=shaped, empty=True)
        data = [
            orjson.dumps(root.key) + b":null" if other is root else part
            for other, part in zip(plan.roots, parts, strict=True)
        ]
        body = b'{"errors":' + errors + b',"data":{' + b",".join(p for p in data if p is not None) + b"}}"
        return Answer(body, errors=shaped)

    @staticmethod
    async def _run(plan: Plan, bound: list[list[Any] | None], context: Context) -> list[bytes | None]:
        """Each bound root's `"key":json`; None for a root not run, or a lookup that found nothing."""
        parts: list[bytes | None] = []
        async with context.db.driver_reading() as driver:
            for root, parameters in zip(plan.roots, bound, strict=True):
                if root.sql is None:
                    text = root.constant
                elif parameters is None:
                    parts.append(None)
                    continue
                else:
                    statement = sql.bind_tenant(root.sql, len(parameters))
                    text = await driver.fetchval(statement, *parameters, context.principal.tenant_id)
                    if text is None:  # only a lookup's statement finds no row
                        parts.append(None)
                        continue
                parts.append(orjson.dumps(root.key) + b":" + text.encode())
        return parts

    def _document(self, query: str, masked: frozenset) -> Document | Invalid | None:
        if len(query) > MAX_DOCUMENT:
            return None
        key = (query, masked)
        found = self.documents.get(key)
        if found is None:
            found = self._validated(query, masked) or _UNSUPPORTED
            self.documents.put(key, found)
        return None if found is _UNSUPPORTED else found

    def _validated(self, query: str, masked: frozenset) -> Document | Invalid | None:
        """Parse and validate as the resolver path does (its rules, in its order): a document that does not
        parse is left to it; one that fails validation is answered with the same errors."""
        try:
            document: DocumentNode = parse(query, max_tokens=self.max_tokens)
        except GraphQLError:
            return None
        rules = [*specified_rules, *self._limits]
        if masked:
            rules.append(mask_rule(masked, True))
        errors = validate(self.graphql_schema, document, rules)
        operations: dict[str | None, OperationDefinitionNode] = {}
        fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                name = definition.name.value if definition.name else None
                operations[name] = definition
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
        if len(operations) == 1:
            operations[None] = next(iter(operations.values()))
        if errors:
            shaped = [format_error(e) for e in errors]
            return Invalid(shaped, {name: op.operation is OperationType.QUERY for name, op in operations.items()})
        variables = {name: self._variable_kinds(operation) for name, operation in operations.items()}
        found = {name: sites(self.graphql_schema, document, operation) for name, operation in operations.items()}
        return Document(operations, fragments, variables, found)

    def _variable_kinds(self, operation: OperationDefinitionNode) -> tuple[tuple[str, bool], ...]:
        kinds = []
        for definition in operation.variable_definitions or ():
            type_ = type_from_ast(self.graphql_schema, definition.type)
            kinds.append((definition.variable.name.value, type_ is not None and is_enum_type(get_named_type(type_))))
        return tuple(kinds)

    async def _write(
        self,
        query: str,
        operation_name: str | None,
        document: Document,
        variables: dict[str, Any],
        planner: Planner,
        context: Context,
    ) -> Answer | None:
        """A mutation with a lean write (`schema.compiled.writes`), planned once per document, operation and
        shape of the variables."""
        key = ("write", query, operation_name, self._shape(document.variables[operation_name], variables))
        found = self.plans.get(key)
        if found is None:
            try:
                found = self.writes.plan(document.operations[operation_name], planner) or _UNSUPPORTED
            except (DomainError, GraphQLError):
                return None  # an argument this request got wrong: not a verdict on the document
            self.plans.put(key, found)
        if found is _UNSUPPORTED:
            return None
        body = await self.writes.execute(found, planner, context)
        if body is None:
            return None
        self.served += 1
        return Answer(body)  # the lean path answers only writes that succeeded

    def _plan(
        self,
        query: str,
        operation_name: str | None,
        document: Document,
        variables: dict[str, Any],
        planner: Planner,
    ) -> Plan | None:
        operation = document.operations[operation_name]
        key = (query, operation_name, self._shape(document.variables[operation_name], variables))
        found = self.plans.get(key)
        if found is None:
            try:
                found = planner.plan(operation)
            except Unsupported as reason:
                log.debug("resolver path for %s: %s", operation_name, reason)
                found = _UNSUPPORTED
            except (DomainError, GraphQLError):
                # An argument this request got wrong (a malformed id, say): not a verdict on the document.
                return None
            self.plans.put(key, found)
        return None if found is _UNSUPPORTED else found

    @staticmethod
    def _shape(kinds: tuple[tuple[str, bool], ...], variables: dict[str, Any]) -> tuple:
        """What of the variables may shape SQL: numbers and booleans by value, enum variables by value, and
        of every other string only whether it is null, empty or set (those are bound, never inlined)."""
        return tuple(_shape(variables.get(name, _MISSING), enum) for name, enum in kinds)


def _shape(value: Any, keep_strings: bool) -> Hashable:
    if value is _MISSING:
        return _MISSING
    if value is None or isinstance(value, bool | int | float):
        return (type(value).__name__, value)
    if isinstance(value, str):
        return value if keep_strings else ("" if value == "" else "s")
    if isinstance(value, dict):
        return tuple(sorted((k, _shape(v, False)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_shape(v, keep_strings) for v in value)
    return repr(type(value))

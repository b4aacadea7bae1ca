"""The planner: a validated operation's selection set becomes one SQL statement per root field that builds
the field's JSON in PostgreSQL.

Shapes follow PERFORMANCE.md: `row_to_json` over a projection, `array_to_json(array(...))` for nested lists,
each nested list a correlated `... ORDER BY ... LIMIT n` subquery (per-parent index lookups under the row
policies). Page sizes are inlined as integer literals; every value from the caller (ids, cursors, filter
values) is a bound parameter. What the catalog does not know raises `Unsupported`, and the operation takes
the resolver path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_non_null_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective
from sqlalchemy.dialects import postgresql
from strawberry.types.arguments import convert_arguments

from authz.actions import Action
from schema.compiled import sql
from schema.compiled.catalog import (
    ENTITIES,
    ROOTS,
    Children,
    Composite,
    Entity,
    Listing,
    Lookup,
    PipelineTotals,
    Reference,
    Root,
    Scalar,
    Stages,
)
from schema.enums import MAX_NESTED
from schema.permissions import ActionPermission, Authenticated
from schema.relay import from_global_id, page_request
from tenants.filters import bound, present
from tenants.pagination import SortKey, decode_cursor

_DIALECT = postgresql.dialect()
_PYFORMAT = re.compile(r"%\((\w+)\)s|%%")


class Unsupported(Exception):
    """This selection needs the resolver path."""


@dataclass(frozen=True)
class RootPlan:
    """One root field: its SQL, how to bind a request's arguments, and the structure it was planned for."""

    key: str
    sql: str | None  # None: a constant (`__typename`)
    constant: str | None
    field: GraphQLField | None
    node: FieldNode | None
    bind: Callable[[dict[str, Any]], tuple[Any, list[Any]]]  # arguments -> (structure, parameters)
    structure: Any
    nullable: bool


@dataclass(frozen=True)
class Plan:
    roots: list[RootPlan]
    actions: frozenset[Action]


def _no_parameters(_arguments: dict[str, Any]) -> tuple[Any, list[Any]]:
    return None, []


class Planner:
    def __init__(
        self,
        schema: strawberry.Schema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.strawberry = schema
        self.schema: GraphQLSchema = schema._schema
        self.fragments = fragments
        self.variables = variables
        self._aliases = 0

    # -- the operation ------------------------------------------------------------------------------------

    def plan(self, operation: OperationDefinitionNode) -> Plan:
        query_type = self.schema.query_type
        assert query_type is not None
        roots: list[RootPlan] = []
        actions: set[Action] = set()
        for key, nodes in self.collect(query_type, [operation.selection_set]).items():
            name = nodes[0].name.value
            if name == "__typename":
                roots.append(RootPlan(key, None, '"Query"', None, None, _no_parameters, None, False))
                continue
            field = query_type.fields.get(name)
            root = ROOTS.get(name)
            if field is None or root is None:
                raise Unsupported(name)
            actions |= self._actions(field)
            roots.append(self._root(key, field, nodes, root))
        return Plan(roots, frozenset(actions))

    def arguments(self, field: GraphQLField, node: FieldNode) -> dict[str, Any]:
        """A field's arguments as its resolver would receive them (snake_case, input classes, enums)."""
        raw = get_argument_values(field, node, self.variables)
        definition = field.extensions["strawberry-definition"]
        return convert_arguments(
            raw,
            definition.arguments,
            scalar_registry=self.strawberry.schema_converter.scalar_registry,
            config=self.strawberry.config,
        )

    @staticmethod
    def _actions(field: GraphQLField) -> set[Action]:
        found = set()
        for permission in field.extensions["strawberry-definition"].permission_classes:
            if issubclass(permission, ActionPermission):
                found.add(permission.action)
            elif not issubclass(permission, Authenticated):
                raise Unsupported(f"permission {permission.__name__}")
        if not found:
            raise Unsupported("a root field without an action")
        return found

    # -- selections ---------------------------------------------------------------------------------------

    def collect(self, type_: GraphQLObjectType, sets: list[SelectionSetNode]) -> dict[str, list[FieldNode]]:
        """Response key -> field nodes, honouring fragments, type conditions, @include and @skip."""
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()

        def walk(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if not self._included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    fields.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    if self._applies(selection.type_condition, type_):
                        walk(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name in visited or fragment is None:
                        continue
                    visited.add(name)
                    if self._applies(fragment.type_condition, type_):
                        walk(fragment.selection_set)

        for selection_set in sets:
            walk(selection_set)
        return fields

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def _applies(self, condition: Any, type_: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        named = self.schema.get_type(condition.name.value)
        if named is type_:
            return True
        return named is not None and self.schema.is_sub_type(named, type_)  # type: ignore[arg-type]

    def _sub(self, type_: GraphQLObjectType, nodes: list[FieldNode]) -> dict[str, list[FieldNode]]:
        return self.collect(type_, [n.selection_set for n in nodes if n.selection_set is not None])

    def _alias(self) -> str:
        self._aliases += 1
        return f"t{self._aliases}"

    @staticmethod
    def _object_type(field: GraphQLField) -> GraphQLObjectType:
        named = get_named_type(field.type)
        if not isinstance(named, GraphQLObjectType):
            raise Unsupported(f"abstract type {named}")
        return named

    @staticmethod
    def _row(select_list: list[str], source: str = "") -> str:
        """`row_to_json` of one projection; `source` is its FROM/WHERE/ORDER tail (empty: no FROM)."""
        alias = "j"
        return f"(select row_to_json({alias}) from (select {', '.join(select_list)}{source}) {alias})"

    @staticmethod
    def _rows(select_list: list[str], source: str) -> str:
        return f"array_to_json(array(select row_to_json(j) from (select {', '.join(select_list)}{source}) j))"

    # -- objects ------------------------------------------------------------------------------------------

    def entity_columns(self, type_: GraphQLObjectType, nodes: list[FieldNode], alias: str) -> list[str]:
        """The projection of an entity's selected fields over the row `alias`."""
        entity = ENTITIES.get(type_.name)
        if entity is None:
            raise Unsupported(type_.name)
        out = []
        for key, field_nodes in self._sub(type_, nodes).items():
            out.append(f"{self._entity_field(entity, type_, key, field_nodes, alias)} as {_key(key)}")
        return out

    def _entity_field(
        self, entity: Entity, type_: GraphQLObjectType, key: str, nodes: list[FieldNode], alias: str
    ) -> str:
        name = nodes[0].name.value
        if name == "__typename":
            return sql.literal(type_.name)
        spec = entity.fields.get(name)
        field = type_.fields.get(name)
        if spec is None or field is None:
            raise Unsupported(f"{type_.name}.{name}")
        if isinstance(spec, Scalar):
            return spec.render(f"{alias}.{spec.column}")
        if isinstance(spec, Composite):
            target = self._object_type(field)
            columns = []
            for sub_key, sub_nodes in self._sub(target, nodes).items():
                sub_name = sub_nodes[0].name.value
                if sub_name == "__typename":
                    columns.append(f"{sql.literal(target.name)} as {_key(sub_key)}")
                    continue
                scalar = spec.fields.get(sub_name)
                if scalar is None:
                    raise Unsupported(f"{target.name}.{sub_name}")
                columns.append(f"{scalar.render(f'{alias}.{scalar.column}')} as {_key(sub_key)}")
            return self._row(columns)
        target_type = self._object_type(field)
        target = ENTITIES.get(target_type.name)
        if target is None:
            raise Unsupported(target_type.name)
        inner = self._alias()
        columns = self.entity_columns(target_type, nodes, inner)
        if isinstance(spec, Reference):
            return self._row(
                columns,
                f" from {target.table} {inner} where {inner}.tenant_id = {alias}.tenant_id"
                f" and {inner}.id = {alias}.{spec.column}",
            )
        assert isinstance(spec, Children)
        first = self.arguments(field, nodes[0]).get("first", spec.default_first)
        if not isinstance(first, int) or first < 0 or first > MAX_NESTED:
            raise Unsupported("nested page size")  # the resolver path reports it
        live = f" and {inner}.archived_at is null" if target.live_only else ""
        order = ", ".join(f"{inner}.{column}{' desc' if desc else ''}" for column, desc in spec.order)
        return self._rows(
            columns,
            f" from {target.table} {inner} where {inner}.tenant_id = {alias}.tenant_id"
            f" and {inner}.{spec.column} = {alias}.id{live} order by {order} limit {first}",
        )

    # -- roots --------------------------------------------------------------------------------------------

    def _root(self, key: str, field: GraphQLField, nodes: list[FieldNode], root: Root) -> RootPlan:
        arguments = self.arguments(field, nodes[0])
        nullable = not is_non_null_type(field.type)
        if isinstance(root, Listing):
            return self._listing(key, field, nodes, root, arguments)
        target_type = self._object_type(field)
        entity = ENTITIES[root.entity]
        if isinstance(root, Lookup):
            columns = self.entity_columns(target_type, nodes, "c")
            statement = (
                f"select row_to_json(r)::text from (select {', '.join(columns)} from {entity.table} c"
                f" where c.tenant_id = {sql.TENANT} and c.id = $1) r"
            )

            def bind_lookup(args: dict[str, Any]) -> tuple[Any, list[Any]]:
                return None, [from_global_id(args["id"], root.entity)[1]]

            return RootPlan(key, statement, None, field, nodes[0], bind_lookup, None, nullable)
        if isinstance(root, Stages):
            columns = self.entity_columns(target_type, nodes, "c")
            statement = (
                "select "
                + self._rows(columns, f" from {entity.table} c where c.tenant_id = {sql.TENANT} order by c.position")
                + "::text"
            )
            return RootPlan(key, statement, None, field, nodes[0], _no_parameters, None, nullable)
        assert isinstance(root, PipelineTotals)
        return RootPlan(key, self._pipeline(target_type, nodes), None, field, nodes[0], _no_parameters, None, nullable)

    def _pipeline(self, type_: GraphQLObjectType, nodes: list[FieldNode]) -> str:
        stages = ENTITIES["PipelineStage"]
        deals = ENTITIES["Deal"]
        columns = []
        for key, field_nodes in self._sub(type_, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                expr = sql.literal(type_.name)
            elif name == "stage":
                stage_type = self._object_type(type_.fields["stage"])
                expr = self._row(self.entity_columns(stage_type, field_nodes, "c"))
            elif name == "dealCount":
                expr = "coalesce((select sum(t.n) from totals t where t.stage_id = c.id), 0)::int"
            elif name == "amounts":
                money = self._object_type(type_.fields["amounts"])
                parts = []
                for sub_key, sub_nodes in self._sub(money, field_nodes).items():
                    sub_name = sub_nodes[0].name.value
                    spelled = {"__typename": sql.literal(money.name), "amount": "t.s::text", "currency": "t.currency"}
                    if sub_name not in spelled:
                        raise Unsupported(f"{money.name}.{sub_name}")
                    parts.append(f"{spelled[sub_name]} as {_key(sub_key)}")
                expr = self._rows(parts, " from totals t where t.stage_id = c.id order by t.currency")
            else:
                raise Unsupported(f"{type_.name}.{name}")
            columns.append(f"{expr} as {_key(key)}")
        return (
            f"with totals as (select d.stage_id, d.currency, count(*) as n, sum(d.amount) as s from {deals.table} d"
            f" where d.tenant_id = {sql.TENANT} and d.archived_at is null group by d.stage_id, d.currency)"
            f" select "
            + self._rows(columns, f" from {stages.table} c where c.tenant_id = {sql.TENANT} order by c.position")
            + "::text"
        )

    def _listing(
        self, key: str, field: GraphQLField, nodes: list[FieldNode], root: Listing, arguments: dict[str, Any]
    ) -> RootPlan:
        structure = _listing_structure(root, arguments, _filter_of(root, arguments))
        size, order_name, include_archived, names, after = structure
        keys = root.orders[order_name]
        base, base_parameters = _base_sql(root, include_archived, names)
        numbered = len(base_parameters)
        keyset = ""
        if after:
            keyset = " and " + _keyset(keys, "c", numbered + 1)
        order = _order(keys, "c")
        connection = self._object_type(field)
        selected = self._sub(connection, nodes)
        page = f"select c.* from ({base}) c where c.tenant_id = {sql.TENANT}{keyset} order by {order} limit "
        # pageInfo needs the page's extra row (is there a next page?) and reads the page more than once: then
        # the page is a materialised CTE; otherwise the edges read the limited select directly.
        paged = any(sub_nodes[0].name.value == "pageInfo" for sub_nodes in selected.values())
        rows = "page" if paged else f"({page}{size})"
        columns = []
        for sub_key, sub_nodes in selected.items():
            name = sub_nodes[0].name.value
            if name == "__typename":
                expr = sql.literal(connection.name)
            elif name == "totalCount":
                expr = f"(select count(*) from ({base}) c where c.tenant_id = {sql.TENANT})"
            elif name == "pageInfo":
                expr = self._page_info(connection.fields["pageInfo"], sub_nodes, keys, size, after)
            elif name == "edges":
                expr = self._edges(connection.fields["edges"], sub_nodes, keys, size, rows)
            else:
                raise Unsupported(f"{connection.name}.{name}")
            columns.append(f"{expr} as {_key(sub_key)}")
        statement = f"select row_to_json(r)::text from (select {', '.join(columns)}) r"
        if paged:
            statement = f"with page as materialized ({page}{size + 1}) {statement}"

        def bind_listing(args: dict[str, Any]) -> tuple[Any, list[Any]]:
            values = _filter_of(root, args)
            shape = _listing_structure(root, args, values)
            parameters = [p.value(root, values) for p in base_parameters]
            if shape[4]:
                parameters.extend(decode_cursor(args["after"], keys))
            return shape, parameters

        return RootPlan(key, statement, None, field, nodes[0], bind_listing, structure, False)

    def _edges(self, field: GraphQLField, nodes: list[FieldNode], keys: list[SortKey], size: int, rows: str) -> str:
        """The edges over `rows` (the page); each node is a row projected by a LATERAL subquery."""
        edge = self._object_type(field)
        columns = []
        laterals = ""
        for key, sub_nodes in self._sub(edge, nodes).items():
            name = sub_nodes[0].name.value
            if name == "__typename":
                expr = sql.literal(edge.name)
            elif name == "cursor":
                expr = _cursor(keys, "c")
            elif name == "node":
                node_type = self._object_type(edge.fields["node"])
                alias = self._alias()
                projection = ", ".join(self.entity_columns(node_type, sub_nodes, "c"))
                laterals += f" cross join lateral (select {projection}) {alias}"
                expr = f"row_to_json({alias})"
            else:
                raise Unsupported(f"{edge.name}.{name}")
            columns.append(f"{expr} as {_key(key)}")
        return self._rows(columns, f" from {rows} c{laterals} order by {_order(keys, 'c')} limit {size}")

    def _page_info(
        self, field: GraphQLField, nodes: list[FieldNode], keys: list[SortKey], size: int, after: bool
    ) -> str:
        info = self._object_type(field)
        first = f"(select * from page c order by {_order(keys, 'c')} limit {size})"
        columns = []
        for key, sub_nodes in self._sub(info, nodes).items():
            name = sub_nodes[0].name.value
            spelled = {
                "__typename": sql.literal(info.name),
                "hasNextPage": f"((select count(*) from page) > {size})",
                "hasPreviousPage": "true" if after else "false",
                "startCursor": f"(select {_cursor(keys, 'c')} from {first} c order by {_order(keys, 'c')} limit 1)",
                "endCursor": f"(select {_cursor(keys, 'c')} from {first} c order by {_order(keys, 'c', True)} limit 1)",
            }
            if name not in spelled:
                raise Unsupported(f"{info.name}.{name}")
            columns.append(f"{spelled[name]} as {_key(key)}")
        return self._row(columns)


# -- listings: the structure a plan is built for, the filters' SQL, keyset pages ------------------------------


def _key(name: str) -> str:
    """A response key as a column alias. PostgreSQL truncates identifiers beyond 63 bytes, which would change
    the key: such a selection takes the resolver path."""
    if len(name.encode()) > 63:
        raise Unsupported("response key longer than 63 bytes")
    return sql.ident(name)


def _filter_of(root: Listing, arguments: dict[str, Any]) -> Any:
    return (arguments.get("filter") or root.filter_input()).to_filter()


def _listing_structure(root: Listing, arguments: dict[str, Any], values: Any) -> tuple:
    """What shapes the SQL of a root connection: page size, order, archived rows, filters set, cursor.

    Backward pages (`last`/`before`) stay on the resolver path."""
    if arguments.get("last") is not None or arguments.get("before") is not None:
        raise Unsupported("backward page")
    size = page_request(arguments.get("first"), arguments.get("after"), None, None).size()
    order = arguments.get("order_by")
    return (
        size,
        order.value,
        bool(values.include_archived),
        present(root.criteria, values),
        arguments.get("after") is not None,
    )


@dataclass(frozen=True)
class _Bound:
    """A parameter of the base SQL: a filter value (by criterion name) or a constant of the query."""

    criterion: str | None
    constant: Any = None

    def value(self, root: Listing, values: Any) -> Any:
        if self.criterion is None:
            return self.constant
        return root.criteria[self.criterion].prepare(getattr(values, self.criterion))


def _base_sql(root: Listing, include_archived: bool, names: tuple[str, ...]) -> tuple[str, list[_Bound]]:
    """The filtered select of a listing as SQL with `$n` parameters, and what each parameter is."""
    compiled = bound(root.base(include_archived), root.criteria, names, prefix="f_").compile(dialect=_DIALECT)
    order: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        return f"${order.setdefault(name, len(order) + 1)}"

    text = _PYFORMAT.sub(number, str(compiled))
    parameters = [_Bound(name[2:]) if name.startswith("f_") else _Bound(None, compiled.params[name]) for name in order]
    return text, parameters


def _order(keys: list[SortKey], alias: str, reverse: bool = False) -> str:
    return ", ".join(f"{alias}.{key.column.key}{' desc' if key.descending != reverse else ''}" for key in keys)


def _keyset(keys: list[SortKey], alias: str, first_parameter: int) -> str:
    """`tenants.pagination._beyond(forward=True)`: rows strictly after the cursor in the ordering."""
    clauses = []
    for i, key in enumerate(keys):
        column = f"{alias}.{key.column.key}"
        step = f"{column} {'<' if key.descending else '>'} ${first_parameter + i}"
        equal = [f"{alias}.{keys[j].column.key} = ${first_parameter + j}" for j in range(i)]
        clauses.append("(" + " and ".join([*equal, step]) + ")")
    return "(" + " or ".join(clauses) + ")"


def _cursor(keys: list[SortKey], alias: str) -> str:
    return sql.cursor([sql.cursor_part(f"{alias}.{key.column.key}", key.kind) for key in keys])

"""The planner: a validated operation's selection set becomes one SQL statement per root field that builds
the field's JSON in PostgreSQL.

It knows nothing a field's declaration does not say: each field's spec (`schema.graph.fields`) names the
column, expression, reference or child list, and each root's spec (`schema.graph.listings`) its listing —
the same criteria, orders, keyset conditions and cursors (`tenants.filters`, `tenants.pagination`) the
resolver path runs. Shapes follow the measurements: `row_to_json` over a projection,
`array_to_json(array(...))` for nested lists, each nested list a correlated `... ORDER BY ... LIMIT n`
subquery (per-parent index lookups under the row policies). Page sizes are inlined as integer literals;
every value from the caller (ids, cursors, filter values) is a bound parameter. A field computed in Python
raises `Unsupported`, and the operation takes the resolver path.
"""

from __future__ import annotations

import dataclasses
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
from sqlalchemy import bindparam, literal_column, select
from sqlalchemy.sql.util import ClauseAdapter

from authz.actions import Action
from schema.compiled import sql
from schema.compiled.arguments import Arguments
from schema.deals.queries import PipelineTotals
from schema.graph.entities import EntitySpec
from schema.graph.fields import MAX_NESTED, Children, Column, ForeignId, Money, Reference
from schema.graph.ids import from_global_id, global_id_sql
from schema.graph.listings import ListingRoot, LookupRoot, RowsRoot, refused
from schema.graph.loaders import is_table_column
from schema.graph.visibility import Masked, entity_of, spec_of
from schema.permissions import ActionPermission, Authenticated
from tenants.deals.service import stage_totals
from tenants.pagination import PageRequest, SortKey, beyond, cursor_of, decode_cursor, ordering

_PYFORMAT = re.compile(r"%\((\w+)\)s|%%")
_VALUE = "__cg_value__"


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
    bind: Callable[[dict[str, Any], Masked], tuple[Any, list[Any]]]  # arguments -> (structure, parameters)
    structure: Any
    nullable: bool
    actions: frozenset[Action] = frozenset()  # what the caller must be allowed, checked per request


@dataclass(frozen=True)
class Plan:
    roots: list[RootPlan]
    actions: frozenset[Action]


def _no_parameters(_arguments: dict[str, Any], _masked: Masked) -> tuple[Any, list[Any]]:
    return None, []


class Planner:
    def __init__(
        self,
        schema: strawberry.Schema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
        converter: Arguments | None = None,
    ) -> None:
        self.strawberry = schema
        self.converter = converter or Arguments(schema)
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
            if field is None:
                raise Unsupported(name)
            needed = frozenset(self.actions(field))
            actions |= needed
            roots.append(dataclasses.replace(self._root(key, field, nodes, spec_of(field)), actions=needed))
        return Plan(roots, frozenset(actions))

    def payload(self, field: GraphQLField, nodes: list[FieldNode]) -> str:
        """A mutation payload's JSON as one statement, `$1` the id of the row the mutation wrote: each selected
        field of an entity type is that row, projected like a lookup's (`__typename` a literal); no row when
        the caller may not read it."""
        payload = self._object_type(field)
        columns = []
        rows = []
        for key, field_nodes in self._sub(payload, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                expr = sql.literal(payload.name)
            else:
                target = payload.fields.get(name)
                if target is None or entity_of(get_named_type(target.type)) is None:
                    raise Unsupported(f"{payload.name}.{name}")
                entity = entity_of(get_named_type(target.type))
                assert entity is not None
                inner = self._alias()
                projection = self.entity_columns(self._object_type(target), field_nodes, inner)
                where = f" where {inner}.tenant_id = {sql.TENANT} and {inner}.id = $1"
                expr = self._row(projection, f" from {_table(entity)} {inner}{where}")
                rows.append(f"r.{_key(key)} is not null")
            columns.append(f"{expr} as {_key(key)}")
        # No row when the caller cannot read what it wrote: the resolver path answers that (from memory).
        found = f" where {' and '.join(rows)}" if rows else ""
        return f"select row_to_json(r)::text from (select {', '.join(columns)}) r{found}"

    def arguments(self, field: GraphQLField, node: FieldNode) -> dict[str, Any]:
        """A field's arguments as its resolver would receive them (snake_case, input classes, enums)."""
        return self.converter.convert(field, get_argument_values(field, node, self.variables))

    @staticmethod
    def actions(field: GraphQLField) -> set[Action]:
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
        return f"(select row_to_json(j) from (select {', '.join(select_list)}{source}) j)"

    @staticmethod
    def _rows(select_list: list[str], source: str) -> str:
        return f"array_to_json(array(select row_to_json(j) from (select {', '.join(select_list)}{source}) j))"

    # -- objects ------------------------------------------------------------------------------------------

    def entity_columns(self, type_: GraphQLObjectType, nodes: list[FieldNode], alias: str) -> list[str]:
        """The projection of an entity's selected fields over the row `alias`."""
        entity = entity_of(type_)
        if entity is None:
            raise Unsupported(type_.name)
        out = []
        for key, field_nodes in self._sub(type_, nodes).items():
            out.append(f"{self._entity_field(entity, type_, field_nodes, alias)} as {_key(key)}")
        return out

    def _entity_field(self, entity: EntitySpec, type_: GraphQLObjectType, nodes: list[FieldNode], alias: str) -> str:
        name = nodes[0].name.value
        if name == "__typename":
            return sql.literal(type_.name)
        field = type_.fields.get(name)
        if field is None:
            raise Unsupported(f"{type_.name}.{name}")
        spec = spec_of(field)
        if spec is None and name == "id" and entity.node:
            return global_id_sql(entity.name, f"{alias}.id")
        if isinstance(spec, Column):
            return sql.scalar(get_named_type(field.type), _attribute(entity.model, spec.column, alias))
        if isinstance(spec, ForeignId):
            return global_id_sql(spec.type_name, _attribute(entity.model, spec.column, alias))
        if isinstance(spec, Money):
            return self._money(self._object_type(field), nodes, entity, spec, alias)
        if isinstance(spec, Reference | Children):
            target = spec.target
            assert target is not None
            inner = self._alias()
            columns = self.entity_columns(self._object_type(field), nodes, inner)
            if isinstance(spec, Reference):
                key = _attribute(entity.model, spec.column, alias)
                where = f" where {inner}.tenant_id = {alias}.tenant_id and {inner}.id = {key}"
                return self._row(columns, f" from {_table(target)} {inner}{where}")
            return self._children(spec, target, field, nodes, columns, alias, inner)
        raise Unsupported(f"{type_.name}.{name}")

    def _money(self, money: GraphQLObjectType, nodes: list[FieldNode], entity: EntitySpec, spec: Money, alias: str):
        columns = []
        for sub_key, sub_nodes in self._sub(money, nodes).items():
            sub_name = sub_nodes[0].name.value
            if sub_name == "__typename":
                expr = sql.literal(money.name)
            elif sub_name == "amount":
                expr = f"{_attribute(entity.model, spec.amount, alias)}::text"
            elif sub_name == "currency":
                expr = _attribute(entity.model, spec.currency, alias)
            else:
                raise Unsupported(f"{money.name}.{sub_name}")
            columns.append(f"{expr} as {_key(sub_key)}")
        return self._row(columns)

    def _children(
        self,
        spec: Children,
        target: EntitySpec,
        field: GraphQLField,
        nodes: list[FieldNode],
        columns: list[str],
        alias: str,
        inner: str,
    ) -> str:
        first = self.arguments(field, nodes[0]).get("first", spec.first)
        if not isinstance(first, int) or first < 0 or first > MAX_NESTED:  # `page_size`'s bound; refused before
            raise Unsupported("nested page size")
        table = _table(target)
        link = spec.through
        if link is None:
            live = f" and {inner}.archived_at is null" if hasattr(target.model, "archived_at") else ""
            order = _order(spec.order, inner)
            return self._rows(
                columns,
                f" from {table} {inner} where {inner}.tenant_id = {alias}.tenant_id"
                f" and {inner}.{spec.column} = {alias}.id{live} order by {order} limit {first}",
            )
        # The first `first` link rows in their order, then each one's target row the caller may see.
        link_alias = self._alias()
        link_order = _order(link.order, link_alias)
        links = (
            f"(select {link_alias}.* from {link.model.__table__.fullname} {link_alias}"
            f" where {link_alias}.tenant_id = {alias}.tenant_id and {link_alias}.{link.parent} = {alias}.id"
            f" order by {link_order} limit {first}) {link_alias}"
        )
        return self._rows(
            columns,
            f" from {links} join {table} {inner} on {inner}.tenant_id = {link_alias}.tenant_id"
            f" and {inner}.id = {link_alias}.{link.target} order by {link_order}",
        )

    # -- roots --------------------------------------------------------------------------------------------

    def _root(self, key: str, field: GraphQLField, nodes: list[FieldNode], root: Any) -> RootPlan:
        nullable = not is_non_null_type(field.type)
        if isinstance(root, ListingRoot):
            return self._listing(key, field, nodes, root)
        if isinstance(root, LookupRoot):
            entity = root.entity
            columns = self.entity_columns(self._object_type(field), nodes, "c")
            statement = (
                f"select row_to_json(r)::text from (select {', '.join(columns)} from {_table(entity)} c"
                f" where c.tenant_id = {sql.TENANT} and c.id = $1) r"
            )

            def bind_lookup(args: dict[str, Any], _masked: Masked) -> tuple[Any, list[Any]]:
                return None, [from_global_id(args["id"], entity.name)[1]]

            return RootPlan(key, statement, None, field, nodes[0], bind_lookup, None, nullable)
        if isinstance(root, RowsRoot):
            entity = root.entity
            columns = self.entity_columns(self._object_type(field), nodes, "c")
            source = f" from {_table(entity)} c where c.tenant_id = {sql.TENANT} order by {_order(root.order, 'c')}"
            statement = f"select {self._rows(columns, source)}::text"
            return RootPlan(key, statement, None, field, nodes[0], _no_parameters, None, nullable)
        if isinstance(root, PipelineTotals):
            statement = self._pipeline(self._object_type(field), nodes)
            return RootPlan(key, statement, None, field, nodes[0], _no_parameters, None, nullable)
        raise Unsupported(key)

    def _pipeline(self, type_: GraphQLObjectType, nodes: list[FieldNode]) -> str:
        """`pipeline`: per stage (by position), the live deals' count and one sum per currency (by currency),
        from the same totals statement the resolver path runs (`tenants.deals.service.stage_totals`)."""
        stage_type = self._object_type(type_.fields["stage"])
        stages = entity_of(stage_type)
        assert stages is not None
        columns = []
        for key, field_nodes in self._sub(type_, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                expr = sql.literal(type_.name)
            elif name == "stage":
                expr = self._row(self.entity_columns(stage_type, field_nodes, "c"))
            elif name == "dealCount":
                expr = "coalesce((select sum(t.deal_count) from totals t where t.stage_id = c.id), 0)::int"
            elif name == "amounts":
                money = self._object_type(type_.fields["amounts"])
                parts = []
                for sub_key, sub_nodes in self._sub(money, field_nodes).items():
                    sub_name = sub_nodes[0].name.value
                    spelled = {
                        "__typename": sql.literal(money.name),
                        "amount": "t.total::text",
                        "currency": "t.currency",
                    }
                    if sub_name not in spelled:
                        raise Unsupported(f"{money.name}.{sub_name}")
                    parts.append(f"{spelled[sub_name]} as {_key(sub_key)}")
                expr = self._rows(parts, " from totals t where t.stage_id = c.id order by t.currency")
            else:
                raise Unsupported(f"{type_.name}.{name}")
            columns.append(f"{expr} as {_key(key)}")
        source = f" from {_table(stages)} c where c.tenant_id = {sql.TENANT} order by c.position"
        return f"with totals as ({sql.compiled(stage_totals())}) select {self._rows(columns, source)}::text"

    def _listing(self, key: str, field: GraphQLField, nodes: list[FieldNode], root: ListingRoot) -> RootPlan:
        arguments = self.arguments(field, nodes[0])
        structure = _listing_structure(root, arguments, root.values(arguments, decode=False))
        size, order_name, include_archived, names, after = structure
        keys = root.listing.orders[order_name]
        base, base_parameters = _numbered(root.listing.bound(include_archived, names, prefix="f_"), 1)
        keyset = ""
        if after:
            condition = beyond(keys, [bindparam(f"k{i}") for i in range(len(keys))], forward=True, column=_in("c"))
            text, _ = _numbered(condition, len(base_parameters) + 1)
            keyset = f" and ({text})"
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

        def bind_listing(args: dict[str, Any], masked: Masked) -> tuple[Any, list[Any]]:
            # The resolver's own order of checks: ids, a filter or order over a masked field, page size, cursor.
            given = root.values(args)
            refused_field = root.refused_argument(given, root.order_name(args.get("order_by")), masked)
            if refused_field is not None:
                raise refused(refused_field, True)
            shape = _listing_structure(root, args, given)
            parameters = [parameter.value(root, given) for parameter in base_parameters]
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


# -- the declarations' SQL: tables, attributes, orders, cursors, listings ------------------------------------


def _table(entity: EntitySpec) -> str:
    return entity.model.__table__.fullname


def _attribute(model: Any, key: str, alias: str) -> str:
    """A model attribute over the row `alias`: its column, or its SQL expression (`column_property`)."""
    if is_table_column(model, key):
        return f"{alias}.{model.__mapper__.column_attrs[key].columns[0].name}"
    return _expression(model, key, alias)


def _expression(model: Any, key: str, alias: str) -> str:
    table = model.__table__.alias(alias)
    adapted = ClauseAdapter(table).traverse(model.__mapper__.column_attrs[key].expression)
    text = sql.compiled(select(adapted.label(_VALUE)).select_from(table))
    # `SELECT <expression> AS __cg_value__ FROM ... AS alias`: the expression, correlated to the alias.
    return text[len("SELECT ") : text.rindex(f" AS {_VALUE}")]


def _in(alias: str) -> Callable[[SortKey], Any]:
    return lambda key: literal_column(f"{alias}.{key.column.key}")


def _order(keys: Any, alias: str, reverse: bool = False) -> str:
    return ", ".join(sql.compiled(clause) for clause in ordering(keys, backward=reverse, column=_in(alias)))


def _cursor(keys: list[SortKey], alias: str) -> str:
    return sql.compiled(cursor_of(keys, column=_in(alias)))


def _key(name: str) -> str:
    """A response key as a column alias. PostgreSQL truncates identifiers beyond 63 bytes, which would change
    the key: such a selection takes the resolver path."""
    if len(name.encode()) > 63:
        raise Unsupported("response key longer than 63 bytes")
    return sql.ident(name)


def _listing_structure(root: ListingRoot, arguments: dict[str, Any], values: dict[str, Any]) -> tuple:
    """What shapes the SQL of a root connection: page size, order, archived rows, filters set, cursor.

    Backward pages (`last`/`before`) stay on the resolver path."""
    if arguments.get("last") is not None or arguments.get("before") is not None:
        raise Unsupported("backward page")
    size = PageRequest(first=arguments.get("first"), after=arguments.get("after")).size()
    return (
        size,
        root.order_name(arguments.get("order_by")),
        bool(values.get("include_archived")),
        root.listing.present(values),
        arguments.get("after") is not None,
    )


@dataclass(frozen=True)
class _Bound:
    """A parameter of compiled SQL: a filter value (by criterion name) or a constant of the statement."""

    criterion: str | None
    constant: Any = None

    def value(self, root: ListingRoot, values: dict[str, Any]) -> Any:
        return self.constant if self.criterion is None else root.listing.prepared(self.criterion, values)


def _numbered(statement: Any, first: int) -> tuple[str, list[_Bound]]:
    """SQL text with `$n` parameters from `first` on, and what each is: a `f_<name>` parameter is the value of
    criterion <name>; any other is a constant of the statement."""
    compiled = statement.compile(dialect=sql.DIALECT)
    order: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        return f"${order.setdefault(name, len(order) + first)}"

    text = _PYFORMAT.sub(number, str(compiled))
    bound = [_Bound(name[2:]) if name.startswith("f_") else _Bound(None, compiled.params[name]) for name in order]
    return text, bound

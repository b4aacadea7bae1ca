"""SQL spellings of what the resolver path computes in Python, so PostgreSQL builds identical JSON.

Each scalar is rendered by its GraphQL type, following Strawberry's serialisation: enums by name (the stored
value upper-cased, which is how `schema.graph.entities.enum` names them), decimals as strings, times as
`datetime.isoformat()` in UTC (`tenants.sql_forms`, the same spelling cursors use), dates as JSON already
writes them. Global ids come from `schema.graph.ids`. The differential test (tests/api/test_compiled_reads.py)
holds both paths to the same output.
"""

from __future__ import annotations

from functools import lru_cache

from graphql import GraphQLEnumType, GraphQLNamedType
from sqlalchemy import ColumnElement, literal_column
from sqlalchemy.dialects import postgresql

from tenants import sql_forms

DIALECT = postgresql.dialect()
# The transaction's tenant as the planner writes it: a marker that `bind_tenant` makes the statement's last
# parameter, the caller's tenant id (the identity round set the same one). Citus routes a statement whose tenant
# is a parameter to the tenant's shard; by the setting alone it cannot prune, and a plan over every shard
# refuses the correlated subqueries the compiled statements are made of. The row policies still decide.
TENANT = "$tenant"
TENANT_SETTING = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)"


def bind_tenant(statement: str, parameters: int) -> str:
    """`statement` with its tenant marker as parameter `parameters + 1` (after the client's values)."""
    return statement.replace(TENANT, f"${parameters + 1}::uuid")


def ident(name: str) -> str:
    """A double-quoted identifier (response keys are GraphQL names: letters, digits, underscores)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def compiled(expression: ColumnElement) -> str:
    """An expression of ours (constants only, never a client's value) as SQL text."""
    return str(expression.compile(dialect=DIALECT, compile_kwargs={"literal_binds": True}))


@lru_cache(maxsize=4096)
def timestamp(expr: str) -> str:
    return compiled(sql_forms.timestamp(literal_column(expr)))


def scalar(type_: GraphQLNamedType, expr: str) -> str:
    """A column of GraphQL type `type_` as the JSON the resolver path would write."""
    if isinstance(type_, GraphQLEnumType):
        return f"upper({expr})"
    if type_.name == "DateTime":
        return timestamp(expr)
    if type_.name in ("Decimal", "ID"):
        return f"{expr}::text"
    return expr

"""Hostile documents generated from the real schema, for the fuzz tests.

Two generators over every query and mutation root field:

- `variable_documents`: one root field per document, every argument a variable, values drawn per GraphQL
  type with hostile strings (NUL, controls, noncharacters, long text), numbers at the edges (NaN, ±Infinity,
  1e1000, -1, 2^31, 2^63), dates out of range, and global ids of the caller's own tenant, of another
  tenant (its real ids) and broken ones;
- `literal_documents`: hypothesis-graphql's documents (arguments as literals, NUL allowed), with the
  custom scalars drawn from the same edge values.

Documents are collected synchronously (Hypothesis drives a plain function) and sent afterwards, as
tests/api/test_compiled_reads.py does; each batch's seed is printed so a failure reproduces.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_interface_type,
    is_object_type,
)
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

HOSTILE_TEXT = [
    "a\u0000b",
    "\u0000",
    "x\ufffe",
    "x\uffff",
    "x\U0010ffff",
    "\ufdd0",
    "bell\u0007",
    "\u001b[2J",
    "x" * 1_001,
    "y" * 20_001,
    "z" * 300_000,  # large, still under the HTTP edge's 1 MB
    "'; drop table app.deals; --",
    "%",
    "_",
    "\\",
    "a@b",
    "",
    " ",
    "Ünïcödé 😀",
    "-1",
]
PLAIN_TEXT = ["acme", "Acme Corp", "pat@acme.example", "acme.example", "https://hooks.example/x", "USD", "EUR"]
HOSTILE_INTS = [-1, 0, 1, 5, 100, 101, 1000, 1001, 2**31 - 1, -(2**31)]
UNREPRESENTABLE_INTS = [2**31, 2**63, -(2**63) - 1]  # beyond GraphQL's Int: refused at coercion
HOSTILE_DECIMALS = [
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "1e1000",
    "-1e1000",
    "1e-1000",
    "99999999999999999999999999999999.99",
    "9999999999999999.99",
    "10000000000000000",
    "-1",
    "0",
    "12.505",
    "abc",
    "",
]
HOSTILE_DATES = ["2027-01-01", "0001-01-01", "9999-12-31", "2027-02-30", "-2027-01-01", "x", "1e1000"]
HOSTILE_DATETIMES = [
    "2027-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59+00:00",
    "2027-01-01T00:00:00",
    "x",
    "",
]
EDGE_SCALARS = {
    "Decimal": HOSTILE_DECIMALS,
    "Date": HOSTILE_DATES,
    "DateTime": HOSTILE_DATETIMES,
    "UUID": ["00000000-0000-0000-0000-000000000000", "x"],
    "JSON": ["{}", "[]", "null"],
}


def _values(type_: Any, name: str, ids: list[str], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for a variable (or input field) of GraphQL type `type_`, named `name`."""
    if isinstance(type_, GraphQLNonNull):
        return _inner(type_.of_type, name, ids, depth)
    return st.one_of(st.none(), _inner(type_, name, ids, depth))


def _inner(type_: Any, name: str, ids: list[str], depth: int) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        return st.lists(_values(type_.of_type, name, ids, depth + 1), max_size=3)
    if isinstance(type_, GraphQLInputObjectType):
        required, optional = {}, {}
        for field_name, field in type_.fields.items():
            strategy = _values(field.type, field_name, ids, depth + 1)
            if isinstance(field.type, GraphQLNonNull) and field.default_value is None:
                required[field_name] = strategy
            elif depth < 3:
                optional[field_name] = strategy
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from(sorted(type_.values))
    named = type_.name
    if named == "String":
        return st.one_of(st.sampled_from(HOSTILE_TEXT), st.sampled_from(PLAIN_TEXT), st.text(max_size=20))
    if named == "ID":
        return st.one_of(st.sampled_from(ids), st.sampled_from(["", "x", "RGVhbDo=", "a\u0000b", "1" * 300]))
    if named == "Int":
        return st.one_of(st.sampled_from(HOSTILE_INTS), st.sampled_from(UNREPRESENTABLE_INTS), st.integers(-5, 50))
    if named == "Float":
        return st.floats(allow_nan=False, allow_infinity=False)
    if named == "Boolean":
        return st.booleans()
    return st.sampled_from(EDGE_SCALARS.get(named, ["x"]))


def _selection(type_: Any) -> str:
    """`__typename` and ids: of the object, of a connection's nodes, and of the objects one level down."""
    named = get_named_type(type_)
    if is_interface_type(named):
        return "{ __typename id }"
    if not is_object_type(named):
        return ""
    assert isinstance(named, GraphQLObjectType)
    parts = ["__typename"]
    for field_name, field in sorted(named.fields.items()):
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if field_name in ("id", "totalCount"):
            parts.append(field_name)
        elif field_name == "edges":
            parts.append("edges { cursor node { __typename ... on Node { id } } }")
        elif isinstance(inner, GraphQLObjectType) and "id" in inner.fields:
            parts.append(f"{field_name} {{ __typename id }}")
    return "{ " + " ".join(parts) + " }"


def variable_documents(
    schema: GraphQLSchema, ids: list[str], count: int, at: int, roots: list[str] | None = None
) -> list[tuple[str, dict]]:
    """`count` (document, variables) pairs drawn with seed `at`."""
    return _collect(_variable_strategy(schema, tuple(ids), tuple(roots) if roots else None), count, at)


@functools.lru_cache(maxsize=8)
def _variable_strategy(
    schema: GraphQLSchema, ids: tuple[str, ...], roots: tuple[str, ...] | None
) -> st.SearchStrategy[tuple[str, dict]]:
    fields = [("query", n, f) for n, f in schema.query_type.fields.items()]  # type: ignore[union-attr]
    fields += [("mutation", n, f) for n, f in schema.mutation_type.fields.items()]  # type: ignore[union-attr]
    if roots is not None:
        fields = [f for f in fields if f[1] in roots]

    built: dict[str, st.SearchStrategy[tuple[str, dict]]] = {}

    def document(chosen: tuple[str, str, Any]) -> st.SearchStrategy[tuple[str, dict]]:
        kind, name, field = chosen
        if name in built:
            return built[name]
        arguments = sorted(field.args.items())
        header = ", ".join(f"${a}: {arg.type}" for a, arg in arguments)
        call = ", ".join(f"{a}: ${a}" for a, _ in arguments)
        text = f"{kind} Fuzz{'(' + header + ')' if header else ''} {{ {name}{'(' + call + ')' if call else ''} "
        text += _selection(field.type) + " }"
        values = st.fixed_dictionaries({a: _values(arg.type, a, list(ids)) for a, arg in arguments})
        built[name] = values.map(lambda v: (text, v))
        return built[name]

    return st.sampled_from(fields).flatmap(document)


def literal_documents(schema: GraphQLSchema, count: int, at: int) -> list[tuple[str, dict]]:
    """`count` documents of hypothesis-graphql's, each over one root field (cheaper to draw than the whole
    schema at once), drawn with seed `at`."""
    return [(d, {}) for d in _collect(_literal_strategy(schema), count, at)]


@functools.lru_cache(maxsize=2)
def _literal_strategy(schema: GraphQLSchema) -> st.SearchStrategy[str]:
    custom = {name: st.sampled_from(values).map(nodes.String) for name, values in EDGE_SCALARS.items()}
    roots = [(queries, n) for n in schema.query_type.fields]  # type: ignore[union-attr]
    roots += [(mutations, n) for n in schema.mutation_type.fields]  # type: ignore[union-attr]
    built: dict[str, st.SearchStrategy[str]] = {}

    def document(chosen: tuple[Any, str]) -> st.SearchStrategy[str]:
        make, name = chosen
        if name not in built:
            built[name] = make(schema, fields=[name], allow_x00=True, custom_scalars=custom)
        return built[name]

    return st.sampled_from(roots).flatmap(document)


def _collect(strategy: st.SearchStrategy[Any], count: int, at: int) -> list[Any]:
    found: list[Any] = []

    @seed(at)
    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(item: Any) -> None:
        found.append(item)

    collect()
    return found


def shown(document: str, variables: dict) -> str:
    """A document and its variables, short enough for a failure message."""
    text = json.dumps(variables)
    return f"{document[:2000]}\n  variables: {text[:2000]}"

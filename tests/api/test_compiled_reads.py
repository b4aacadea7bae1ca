"""Proof of sameness: the compiled read path and the resolver path give identical JSON — data, errors and
key order — on the same database state, for every audience, on hand-written documents and on documents that
Hypothesis generates from the real schema. A second app with compiled reads off is the reference."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
import pytest_asyncio
from graphql import (
    REMOVE,
    ArgumentNode,
    GraphQLObjectType,
    IntValueNode,
    ObjectFieldNode,
    StringValueNode,
    Visitor,
    get_named_type,
    parse,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries
from sqlalchemy import text

from authz.principal import Principal
from schema.relay import to_global_id
from tenants.activities.service import add_activity
from tenants.customers.service import create_contact, create_customer
from tenants.database import tenant_session
from tenants.deals.service import close_deal, create_deal
from tests.client import gql

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROOT_FIELDS = [
    "customers",
    "customer",
    "contacts",
    "contact",
    "partners",
    "partner",
    "deals",
    "deal",
    "pipeline",
    "pipelineStages",
]


@pytest_asyncio.fixture(loop_scope="session")
async def rich(world, sessions):
    """The graph-test world plus what makes serialisation and paging interesting: equal names (ties broken
    by id), quotes, backslashes and non-ASCII, archived rows, whole-second timestamps, several currencies,
    closed deals, activities with due dates, more rows than one page."""
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        owner = world.people["rep1"].user_id
        names = ["Same Name", "Same Name", "Same Name", 'Zoë "Quoted" \\ Back', "ÅngströmCo", "alpha lower"]
        names += [f"Bulk {i:02d}" for i in range(14)]
        for i, name in enumerate(names):
            partner = [None, world.partners["dist"], world.partners["sub"], world.partners["other"]][i % 4]
            customer = await create_customer(
                s,
                system,
                {
                    "name": name,
                    "domain": f"c{i}.example",
                    "industry": ["software", "retail", None][i % 3],
                    "size": ["1-10", "51-200", None][i % 3],
                    "lifecycle_stage": ["lead", "prospect", "customer", "churned"][i % 4],
                    "owner_id": owner,
                    "partner_id": partner,
                },
            )
            await create_contact(
                s,
                system,
                {
                    "first_name": ["Ann", "Bo", "Cy"][i % 3],
                    "last_name": "Same" if i % 2 else f"Last{i}",
                    "email": f"p{i}@c{i}.example",
                    "phone": "+1 555 0100" if i % 2 else None,
                    "customer_id": customer.id,
                },
            )
            for j in range(i % 3 + 1):
                deal = await create_deal(
                    s,
                    system,
                    {
                        "title": f"Deal {i}-{j}",
                        "customer_id": customer.id,
                        "amount": decimal.Decimal(f"{(i + 1) * 1000 + j}.{j}5"),
                        "currency": ["USD", "EUR"][j % 2],
                        "owner_id": owner,
                        "partner_id": partner,
                        "source": "partner_sourced" if partner else "direct",
                        "expected_close_date": dt.date(2027, 1 + i % 12, 1 + j) if j else None,
                        "internal_notes": None if j else f"note {i}",
                    },
                )
                if i % 5 == 0 and j == 0:
                    deal = await close_deal(s, system, deal.id, deal.version, won=i % 2 == 0, reason="budget")
                await add_activity(
                    s,
                    system,
                    {
                        "kind": ["call", "meeting", "task"][j % 3],
                        "subject": f"Touch {i}-{j}",
                        "body": "multi\nline \t text" if j else None,
                        "deal_id": deal.id,
                        "customer_id": customer.id,
                        "due_at": dt.datetime(2027, 2, 3, 4, 5, 6, tzinfo=dt.UTC) if j == 1 else None,
                    },
                )
        await s.execute(text("update app.customers set archived_at = now() where name like 'Bulk 0%'"))
        await s.execute(text("update app.deals set archived_at = now() where title like 'Deal 1-%'"))
        # In UTC, so that the expression is immutable: Citus refuses a stable function of a column in an UPDATE.
        await s.execute(
            text(
                "update app.customers set created_at = date_trunc('second', created_at at time zone 'UTC') at time zone 'UTC'"
            )
        )
        await s.execute(
            text(
                "update app.deals set updated_at = date_trunc('second', updated_at at time zone 'UTC') at time zone 'UTC'"
                " where amount > 9000"
            )
        )
    return world


async def same(client, reference, app, query: str, variables: dict | None, token: str) -> tuple[dict, bool]:
    """Both paths' answers, asserted identical; and whether the compiled path answered."""
    before = app.state.compiled.served
    compiled = await gql(client, query, variables, token=token)
    served = app.state.compiled.served > before
    resolved = await gql(reference, query, variables, token=token)
    assert compiled == resolved, (query, compiled.get("errors"))
    assert _keys(compiled) == _keys(resolved), query
    return compiled, served


def _keys(value):
    if isinstance(value, dict):
        return [(k, _keys(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_keys(v) for v in value]
    return None


CUSTOMER_PAGE = """
query Customers($first: Int, $after: String, $order: CustomerOrder!, $filter: CustomerFilterInput,
                $withDeals: Boolean!, $skipPartner: Boolean!) {
  __typename
  customers(first: $first, after: $after, orderBy: $order, filter: $filter) {
    __typename totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }
    edges { __typename cursor node { ...CustomerFields } }
  }
}
fragment CustomerFields on Customer {
  __typename id name domain industry size lifecycleStage version createdAt updatedAt archivedAt
  owner { id name email status createdAt }
  partner @skip(if: $skipPartner) {
    id name kind status tier territory website domain
    parent { id name } subPartners(first: 3) { id name }
  }
  deals(first: 3) @include(if: $withDeals) { ...DealFields }
  contacts(first: 5) { id firstName lastName email phone title customer { id } partner { id } }
  ... on Node { nodeId: id }
  activities { id kind subject body occurredAt dueAt createdAt author { id name } }
}
fragment DealFields on Deal {
  id title status source probability expectedCloseDate closedAt closeReason version updatedAt archivedAt
  amount { amount currency __typename }
  stage { id name position probability kind __typename }
  activities(first: 2) { id kind subject deal { id title } customer { id } partner { id } }
}
"""

SLIM_CUSTOMER_PAGE = """
query Customers($first: Int, $after: String, $order: CustomerOrder!, $filter: CustomerFilterInput,
                $withDeals: Boolean!, $skipPartner: Boolean!) {
  customers(first: $first, after: $after, orderBy: $order, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name domain lifecycleStage createdAt
      deals(first: 2) @include(if: $withDeals) { id title status amount { amount currency } stage { name } }
      contacts(first: 1) @skip(if: $skipPartner) { id email } } }
  }
}
"""

SLIM_DEAL_PAGE = """
query Deals($first: Int, $after: String, $order: DealOrder!, $filter: DealFilterInput) {
  deals(first: $first, after: $after, orderBy: $order, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id title status expectedCloseDate amount { amount currency } stage { name kind } } }
  }
}
"""

DEAL_PAGE = """
query Deals($first: Int, $after: String, $order: DealOrder!, $filter: DealFilterInput) {
  deals(first: $first, after: $after, orderBy: $order, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id title status amount { amount currency } stage { name kind }
      customer { id name partner { id } } partner { id name } owner { id } } }
  }
}
"""

DETAIL = """
query Detail($id: ID!) { deal(id: $id) {
  id title status source probability expectedCloseDate amount { amount currency }
  stage { name kind } partner { id name } owner { id name }
  customer { id name domain contacts(first: 10) { id firstName lastName email title } }
  activities(first: 10) { id kind subject occurredAt }
} }
"""

LOOKUPS = """
query Lookups($customer: ID!, $partner: ID!, $contact: ID!) {
  customer(id: $customer) { id name deals { id } }
  partner(id: $partner) { id name customers(first: 50) { id name } deals { id } contacts { id } activities { id } }
  contact(id: $contact) { id email customer { name } }
}
"""

PIPELINE = """
query Pipeline { pipeline { __typename stage { id name position kind } dealCount amounts { amount currency } }
  stages: pipelineStages { id name probability } }
"""

MASKED = "query { deals(first: 5) { edges { node { id internalNotes } } } }"


async def walk_pages(client, reference, app, queries_, variables, token) -> tuple[int, bool]:
    """Every page of the first of `queries_` the caller may ask (the others mask fields for some audiences),
    following the end cursor; (pages, whether all were compiled)."""
    after, pages, compiled = None, 0, True
    for query in queries_:
        body, _ = await same(client, reference, app, query, {**variables, "after": None}, token)
        if "errors" not in body:
            break
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    else:
        # An order over a field the caller may not read is refused like selecting it, on both paths.
        assert body["errors"][0]["message"].startswith("filtering or ordering by"), body["errors"]
        return 0, True
    while True:
        body, served = await same(client, reference, app, query, {**variables, "after": after}, token)
        assert "errors" not in body, body["errors"]
        compiled &= served
        pages += 1
        connection = next(v for v in body["data"].values() if isinstance(v, dict))
        if not connection["pageInfo"]["hasNextPage"]:
            return pages, compiled
        after = connection["pageInfo"]["endCursor"]
        assert pages < 50


async def test_every_audience_pages_through_the_same_answers(app, client, reference, rich):
    for persona in rich.people.values():
        token = persona.token
        for order in ("NAME", "CREATED_AT"):
            for flags in ({"withDeals": True, "skipPartner": False}, {"withDeals": False, "skipPartner": True}):
                variables = {"first": 4, "order": order, "filter": None, **flags}
                pages, compiled = await walk_pages(
                    client, reference, app, (CUSTOMER_PAGE, SLIM_CUSTOMER_PAGE), variables, token
                )
                assert compiled, persona.name
                if persona.audience == "vendor" and persona.roles != ("support",):
                    assert pages > 3
        for order in ("CREATED_AT", "UPDATED_AT", "AMOUNT", "TITLE"):
            _, compiled = await walk_pages(
                client, reference, app, (DEAL_PAGE, SLIM_DEAL_PAGE), {"first": 7, "order": order}, token
            )
            assert compiled, persona.name


async def test_filters_match_the_resolver_path(app, client, reference, rich):
    token = rich.token("owner")
    dist = to_global_id("Partner", rich.partners["dist"])
    customer_filters = [
        {"search": "same"},
        {"search": "  ÅNG "},
        {"search": "100%_\\"},
        {"search": ""},
        {"lifecycleStage": "PROSPECT", "partnerId": dist},
        {"ownerId": to_global_id("User", rich.people["rep1"].user_id), "industry": "retail"},
        {"includeArchived": True},
        {"includeArchived": True, "search": "bulk"},
    ]
    for f in customer_filters:
        variables = {"first": 50, "order": "NAME", "filter": f, "withDeals": True, "skipPartner": False}
        _, compiled = await same(client, reference, app, CUSTOMER_PAGE, variables, token)
        assert compiled, f
    deal_filters = [
        {"status": "WON"},
        {"status": "OPEN", "currency": "EUR", "amountMin": "3000", "amountMax": "12000.5"},
        {"search": "deal 1", "includeArchived": True},
        {"closeDateFrom": "2027-03-01", "closeDateTo": "2027-09-30", "source": "PARTNER_SOURCED"},
        {"partnerId": dist, "stageId": to_global_id("PipelineStage", next(iter(rich.stages.values())))},
        {"customerId": to_global_id("Customer", rich.customers["dist"])},
    ]
    for f in deal_filters:
        _, compiled = await same(
            client, reference, app, DEAL_PAGE, {"first": 50, "order": "AMOUNT", "filter": f}, token
        )
        assert compiled, f
    partners = """query P($f: PartnerFilterInput) { partners(first: 10, filter: $f) { totalCount edges { node {
        id name parent { name } subPartners { name } customers(first: 2) { name } } } } }"""
    for f in ({"belowId": dist}, {"kind": "RESELLER"}, {"search": "north", "status": "ACTIVE"}, None):
        _, compiled = await same(client, reference, app, partners, {"f": f}, token)
        assert compiled, f
    contacts = """query C($f: ContactFilterInput) { contacts(first: 30, orderBy: CREATED_AT, filter: $f) {
        edges { cursor node { id lastName customer { name } } } } }"""
    for f in ({"search": "same"}, {"customerId": to_global_id("Customer", rich.customers["dist"])}, None):
        _, compiled = await same(client, reference, app, contacts, {"f": f}, token)
        assert compiled, f


async def test_lookups_aggregates_and_errors_per_audience(app, client, reference, rich):
    for persona in rich.people.values():
        token = persona.token
        for deal_id in rich.deals.values():
            await same(client, reference, app, DETAIL, {"id": to_global_id("Deal", deal_id)}, token)
        variables = {
            "customer": to_global_id("Customer", rich.customers["dist"]),
            "partner": to_global_id("Partner", rich.partners["dist"]),
            "contact": to_global_id("Contact", rich.contacts["dist"]),
        }
        await same(client, reference, app, LOOKUPS, variables, token)
        await same(client, reference, app, PIPELINE, None, token)
        await same(client, reference, app, MASKED, None, token)
        await same(client, reference, app, DETAIL, {"id": "not-an-id"}, token)
        await same(client, reference, app, DETAIL, {"id": to_global_id("Customer", rich.customers["dist"])}, token)
        await same(client, reference, app, "{ customers(first: 500) { totalCount } }", None, token)
        await same(client, reference, app, '{ customers(first: 2, after: "bm9wZQ") { totalCount } }', None, token)
        await same(client, reference, app, "{ deals(last: 2) { edges { node { id } } } }", None, token)
        await same(client, reference, app, "{ customers { edges { node { deals(first: 101) { id } } } } }", None, token)
    owner = rich.token("owner")
    _, compiled = await same(client, reference, app, DETAIL, {"id": to_global_id("Deal", rich.deals["dist"])}, owner)
    assert compiled
    _, compiled = await same(client, reference, app, PIPELINE, None, owner)
    assert compiled
    # A masked field fails validation; the compiled path gives the resolver path's answer itself.
    body, compiled = await same(client, reference, app, MASKED, None, rich.token("dist_admin"))
    assert compiled and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def _generated(count: int) -> list[str]:
    """`count` documents over the compiled roots, generated from the real schema (deterministic)."""
    from schema.schema import build_schema

    schema = build_schema(introspection=False)._schema
    strategy = queries(
        schema,
        fields=ROOT_FIELDS,
        allow_x00=False,
        custom_scalars={
            "Decimal": st.decimals(-(10**6), 10**6, places=2, allow_nan=False).map(str).map(nodes.String),
            "Date": st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)).map(dt.date.isoformat).map(nodes.String),
            "DateTime": st.just(nodes.String("2027-01-01T00:00:00+00:00")),
            "UUID": st.uuids().map(str).map(nodes.String),
            "JSON": st.just(nodes.String("{}")),
        },
    )
    found: list[str] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(document: str) -> None:
        found.append(document)

    collect()
    return found


ID_TYPES = {
    "partnerId": "Partner",
    "parentId": "Partner",
    "belowId": "Partner",
    "customerId": "Customer",
    "ownerId": "User",
    "stageId": "PipelineStage",
}
ROOT_ID_TYPES = {"customer": "Customer", "contact": "Contact", "partner": "Partner", "deal": "Deal"}


def realistic(document: str, ids: dict[str, list[str]]) -> str:
    """A generated document made mostly valid: no backward pages or foreign cursors, page sizes within
    bounds, and ids of the world's objects in place of random strings (chosen by the random string, so the
    choice stays deterministic). Invalid arguments still occur — their errors must match too."""
    tree = parse(document)
    root: list[str] = []

    class Realistic(Visitor):
        def enter_field(self, node, _key, _parent, path, _ancestors):
            if len(path) <= 4:
                root[:] = [node.name.value]

        def enter_argument(self, node, *_):
            name = node.name.value
            if name in ("last", "before", "after"):
                return REMOVE
            if name == "first" and isinstance(node.value, IntValueNode):
                return ArgumentNode(name=node.name, value=IntValueNode(value=str(abs(int(node.value.value)) % 30)))
            if name == "id" and isinstance(node.value, StringValueNode) and root and root[0] in ROOT_ID_TYPES:
                return ArgumentNode(name=node.name, value=_pick(ids[ROOT_ID_TYPES[root[0]]], node.value.value))
            return None

        def enter_object_field(self, node, *_):
            if node.name.value in ID_TYPES and isinstance(node.value, StringValueNode):
                return ObjectFieldNode(name=node.name, value=_pick(ids[ID_TYPES[node.name.value]], node.value.value))
            return None

    return print_ast(visit(tree, Realistic()))


def _pick(choices: list[str], seed: str) -> StringValueNode:
    return StringValueNode(value=choices[sum(map(ord, seed)) % len(choices)])


async def test_generated_queries_match_under_every_audience(app, client, reference, rich, sessions):
    async with tenant_session(sessions, Principal.system(rich.tenant_id), read_only=True) as s:
        ids = {
            type_name: [to_global_id(type_name, row[0]) for row in await s.execute(text(f"select id from app.{table}"))]
            for type_name, table in (
                ("Partner", "partners"),
                ("Customer", "customers"),
                ("Contact", "contacts"),
                ("Deal", "deals"),
                ("User", "users"),
                ("PipelineStage", "pipeline_stages"),
            )
        }
    documents = [realistic(d, ids) for d in _generated(120)]
    personas = ["owner", "support", "dist_admin", "sub_rep", "customer"]
    compiled = 0
    for document in documents:
        for name in personas:
            _, served = await same(client, reference, app, document, None, rich.token(name))
            compiled += served
    # The generated documents must exercise the compiled path, not only the fallback.
    print(f"compiled share, generated arguments: {compiled}/{len(documents) * len(personas)}")
    assert compiled >= len(documents) * len(personas) * 85 // 100, compiled


def deep_documents(schema, ids: dict[str, list[str]], count: int) -> list[str]:
    """`count` documents with deep selections over the real schema: every field of the types under the compiled
    roots may be drawn (also those that need the resolver path), with aliases, `__typename`, inline fragments,
    `@include`/`@skip`, nested page sizes and realistic root arguments."""

    def selection(type_, depth: int) -> st.SearchStrategy[str]:
        fields = sorted(type_.fields.items())

        def one(item) -> st.SearchStrategy[str]:
            name, field = item
            named = get_named_type(field.type)
            prefix = st.sampled_from(["", "", f"{name}Alias: "])
            directive = st.sampled_from(["", "", " @include(if: true)", " @skip(if: false)", " @skip(if: true)"])
            args = st.just("")
            if "first" in field.args:
                args = st.one_of(st.just(""), st.integers(0, 6).map(lambda n: f"(first: {n})"))
            if not isinstance(named, GraphQLObjectType):
                if any(a.type.__class__.__name__ == "GraphQLNonNull" for a in field.args.values()):
                    return st.just("__typename")
                return st.builds(lambda p, d: f"{p}{name}{d}", prefix, directive)
            if depth == 0 or any(a.type.__class__.__name__ == "GraphQLNonNull" for a in field.args.values()):
                return st.just("__typename")
            return st.builds(
                lambda p, a, d, sub: f"{p}{name}{a}{d} {{ {sub} }}",
                prefix,
                args,
                directive,
                selection(named, depth - 1),
            )

        members = st.lists(
            st.sampled_from(fields), min_size=min(3, len(fields)), max_size=8, unique_by=lambda f: f[0]
        ).flatmap(lambda chosen: st.tuples(*(one(f) for f in chosen)))
        body = members.map(" ".join)
        return st.one_of(
            body,
            body.map(lambda b: f"__typename {b}"),
            body.map(lambda b: f"... on {type_.name} {{ {b} }}"),
        )

    query_type = schema.query_type

    def root(name: str) -> st.SearchStrategy[str]:
        field = query_type.fields[name]
        target = get_named_type(field.type)
        if name in ROOT_ID_TYPES:
            args = st.sampled_from(ids[ROOT_ID_TYPES[name]]).map(lambda i: f'(id: "{i}")')
        elif "first" in field.args:
            orders = list(field.args["orderBy"].type.of_type.values) if "orderBy" in field.args else [None]
            args = st.builds(
                lambda n, o: f"(first: {n}{'' if o is None else f', orderBy: {o}'})",
                st.integers(0, 25),
                st.sampled_from(orders),
            )
        else:
            args = st.just("")
        return st.builds(lambda a, sub: f"{name}{a} {{ {sub} }}", args, selection(target, 4))

    document = st.lists(st.sampled_from(ROOT_FIELDS), min_size=1, max_size=2, unique=True).flatmap(
        lambda names: st.tuples(*(root(n) for n in names))
    )
    found: list[str] = []

    @settings(
        max_examples=count, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(document)
    def collect(roots: tuple[str, ...]) -> None:
        found.append("query { " + " ".join(roots) + " }")

    collect()
    return found


async def test_generated_deep_selections_match_under_every_audience(app, client, reference, rich, sessions):
    from schema.schema import build_schema

    async with tenant_session(sessions, Principal.system(rich.tenant_id), read_only=True) as s:
        ids = {
            type_name: [to_global_id(type_name, row[0]) for row in await s.execute(text(f"select id from app.{table}"))]
            for type_name, table in (
                ("Customer", "customers"),
                ("Contact", "contacts"),
                ("Deal", "deals"),
                ("Partner", "partners"),
            )
        }
    documents = deep_documents(build_schema(introspection=False)._schema, ids, 150)
    personas = ["owner", "sales_manager", "support", "dist_admin", "sub_rep", "customer"]
    compiled = 0
    for document in documents:
        for name in personas:
            _, served = await same(client, reference, app, document, None, rich.token(name))
            compiled += served
    print(f"compiled share, generated deep selections: {compiled}/{len(documents) * len(personas)}")
    assert compiled >= len(documents) * len(personas) * 85 // 100, compiled


async def test_edge_documents_answer_as_the_resolver_path_does(app, client, reference, rich):
    token = rich.token("owner")
    # Aliases are counted per fragment spread, as the resolver path's limit counts them.
    aliased = "fragment F on Customer { " + " ".join(f"a{i}: name" for i in range(10)) + " }"
    spreads = "query { " + " ".join(f"c{i}: customers(first: 1) {{ edges {{ node {{ ...F }} }} }}" for i in range(3))
    body, _ = await same(client, reference, app, spreads + " } " + aliased, None, token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # A response key beyond PostgreSQL's 63-byte identifiers keeps its full name.
    long_key = "k" * 70
    body, _ = await same(
        client, reference, app, f"{{ customers(first: 2) {{ edges {{ node {{ {long_key}: name }} }} }} }}", None, token
    )
    assert long_key in body["data"]["customers"]["edges"][0]["node"]
    # A cursor of the right shape holding a number is a bad cursor on both paths, not a server error.
    body, _ = await same(
        client, reference, app, '{ customers(first: 2, after: "WyJ4Iiw1XQ") { totalCount } }', None, token
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # One request's malformed id does not send later, valid requests of the same document down the resolver path.
    query = "query($p: ID) { customers(first: 3, filter: {partnerId: $p}) { edges { node { id } } } }"
    body, _ = await same(client, reference, app, query, {"p": "bad"}, token)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    _, served = await same(client, reference, app, query, {"p": to_global_id("Partner", rich.partners["dist"])}, token)
    assert served

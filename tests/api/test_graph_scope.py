"""Each audience sees exactly its part of one tenant; ids outside it are simply not found."""

from __future__ import annotations

import pytest

from schema.relay import to_global_id
from tests.client import codes, gql
from tests.world import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

DEALS = "query($f: DealFilterInput) { deals(first: 100, filter: $f) { totalCount edges { node { id title } } } }"
CUSTOMERS = "{ customers(first: 100) { totalCount edges { node { name } } } }"
PARTNERS = "{ partners(first: 100) { totalCount edges { node { name } } } }"


async def titles(client, world, persona) -> tuple[set[str], int]:
    body = await gql(client, DEALS, token=world.token(persona))
    assert "errors" not in body, body
    deals = body["data"]["deals"]
    return {e["node"]["title"] for e in deals["edges"]}, deals["totalCount"]


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("owner", {"direct", "direct2", "dist", "sub", "other"}),
        ("support", {"direct", "direct2", "dist", "sub", "other"}),
        ("dist_admin", {"dist", "sub"}),
        ("dist_rep", {"dist", "sub"}),
        ("sub_admin", {"sub"}),
        ("sub_rep", {"sub"}),
        ("other_admin", {"other"}),
        ("customer", {"dist"}),
    ],
)
async def test_deal_scope_per_audience(client, world, persona, expected):
    seen, total = await titles(client, world, persona)
    assert seen == {f"Deal {k}" for k in expected}
    assert total == len(expected)


async def test_partner_and_customer_scope(client, world):
    partners = await gql(client, PARTNERS, token=world.token("dist_admin"))
    assert {e["node"]["name"] for e in partners["data"]["partners"]["edges"]} == {"Northwind", "Contoso"}
    partners = await gql(client, PARTNERS, token=world.token("sub_rep"))
    assert {e["node"]["name"] for e in partners["data"]["partners"]["edges"]} == {"Contoso"}
    customers = await gql(client, CUSTOMERS, token=world.token("sub_admin"))
    assert {e["node"]["name"] for e in customers["data"]["customers"]["edges"]} == {"Customer sub"}
    assert customers["data"]["customers"]["totalCount"] == 1
    customers = await gql(client, CUSTOMERS, token=world.token("customer"))
    assert [e["node"]["name"] for e in customers["data"]["customers"]["edges"]] == ["Customer dist"]
    # Customers see no partners at all (not in their policy).
    assert codes(await gql(client, PARTNERS, token=world.token("customer"))) == ["FORBIDDEN"]


async def test_masked_fields_fail_at_validation(client, world):
    doc = "query { deals(first: 5) { edges { node { title internalNotes } } } }"
    body = await gql(client, doc, token=world.token("dist_admin"))
    assert codes(body) == ["FORBIDDEN"] and body.get("data") is None
    assert body["errors"][0]["extensions"]["field"] == "Deal.internalNotes"
    via_fragment = "query { deals(first: 5) { edges { node { ...D } } } } fragment D on Deal { owner { email } }"
    assert codes(await gql(client, via_fragment, token=world.token("sub_rep"))) == ["FORBIDDEN"]
    reduced = "query { deals(first: 5) { edges { node { title stage { name } amount { amount currency } } } } }"
    assert "errors" not in await gql(client, reduced, token=world.token("customer"))
    for field in ("partner { name }", "source", "probability", "owner { email }", "internalNotes"):
        doc = "query { deals(first: 5) { edges { node { title " + field + " } } } }"
        assert codes(await gql(client, doc, token=world.token("customer"))) == ["FORBIDDEN"], field
    vendor = await gql(
        client,
        "query { deals(first: 5) { edges { node { internalNotes owner { email } } } } }",
        token=world.token("support"),
    )
    assert "errors" not in vendor


async def test_out_of_scope_and_foreign_ids_are_not_found(client, world, app, sessions, new_tenant):
    from tests.world import build_world

    other_world = await build_world(sessions, new_tenant, app.state.tokens.mint)
    foreign = to_global_id("Deal", other_world.deals["direct"])
    parents_deal = to_global_id("Deal", world.deals["dist"])
    sibling_deal = to_global_id("Deal", world.deals["other"])
    for persona, gid in (
        ("owner", foreign),
        ("sub_admin", parents_deal),
        ("sub_admin", sibling_deal),
        ("other_rep", parents_deal),
        ("customer", sibling_deal),
    ):
        token = world.token(persona)
        assert codes(await gql(client, "query($id: ID!) { deal(id: $id) { id } }", {"id": gid}, token=token)) == [
            "NOT_FOUND"
        ]
        assert codes(await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": gid}, token=token)) == [
            "NOT_FOUND"
        ]
        nodes = await gql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [gid]}, token=token)
        assert nodes["data"]["nodes"] == [None]
    before = await snapshot(sessions, other_world.tenant_id)
    before_own = await snapshot(sessions, world.tenant_id)
    mutations = [
        ('mutation($id: ID!) { updateDeal(input: {id: $id, version: 1, title: "x"}) { deal { id } } }', "owner"),
        ("mutation($id: ID!) { archiveDeal(id: $id, version: 1) { deal { id } } }", "owner"),
        ("mutation($id: ID!) { closeDeal(input: {id: $id, version: 1, won: true}) { deal { id } } }", "owner"),
        (
            'mutation($id: ID!) { addActivity(input: {kind: NOTE, subject: "x", dealId: $id}) { activity { id } } }',
            "owner",
        ),
        ('mutation($id: ID!) { createDeal(input: {title: "x", customerId: $id}) { deal { id } } }', "owner"),
    ]
    foreign_customer = to_global_id("Customer", other_world.customers["direct"])
    for doc, persona in mutations:
        target = foreign_customer if "customerId" in doc else foreign
        body = await gql(client, doc, {"id": target}, token=world.token(persona))
        assert codes(body) == ["NOT_FOUND"], (doc, body)
    parent_update = 'mutation($id: ID!) { updateDeal(input: {id: $id, version: 1, title: "x"}) { deal { id } } }'
    assert codes(await gql(client, parent_update, {"id": parents_deal}, token=world.token("sub_admin"))) == [
        "NOT_FOUND"
    ]
    assert await snapshot(sessions, other_world.tenant_id) == before
    assert await snapshot(sessions, world.tenant_id) == before_own


async def test_stale_versions_conflict(client, world, sessions):
    gid = to_global_id("Deal", world.deals["direct"])
    doc = "mutation($id: ID!, $t: String!) { updateDeal(input: {id: $id, version: 1, title: $t}) { deal { title version } } }"
    first = await gql(client, doc, {"id": gid, "t": "first"}, token=world.token("sales_manager"))
    assert first["data"]["updateDeal"]["deal"] == {"title": "first", "version": 2}
    before = await snapshot(sessions, world.tenant_id)
    second = await gql(client, doc, {"id": gid, "t": "second"}, token=world.token("owner"))
    assert codes(second) == ["CONFLICT"]
    assert await snapshot(sessions, world.tenant_id) == before


async def test_concurrent_updates_from_one_version(client, world):
    import asyncio

    gid = to_global_id("Customer", world.customers["direct2"])
    doc = "mutation($id: ID!, $n: String!) { updateCustomer(input: {id: $id, version: 1, name: $n}) { customer { name } } }"
    results = await asyncio.gather(
        *(gql(client, doc, {"id": gid, "n": f"name {i}"}, token=world.token("admin")) for i in range(4))
    )
    outcomes = sorted("ok" if "errors" not in r else codes(r)[0] for r in results)
    assert outcomes == ["CONFLICT", "CONFLICT", "CONFLICT", "ok"]


async def test_sales_rep_updates_only_own_deals(client, world, sessions):
    doc = "mutation($id: ID!) { updateDeal(input: {id: $id, version: 1, probability: 40}) { deal { probability } } }"
    own = await gql(client, doc, {"id": to_global_id("Deal", world.deals["other"])}, token=world.token("rep1"))
    assert own["data"]["updateDeal"]["deal"]["probability"] == 40
    before = await snapshot(sessions, world.tenant_id)
    theirs = await gql(client, doc, {"id": to_global_id("Deal", world.deals["direct2"])}, token=world.token("rep1"))
    assert codes(theirs) == ["FORBIDDEN"]
    assert await snapshot(sessions, world.tenant_id) == before


async def test_pagination_is_stable_under_inserts(client, world):
    page_doc = """query($after: String) { deals(first: 2, after: $after, orderBy: TITLE) {
        totalCount edges { node { title } } pageInfo { hasNextPage endCursor } } }"""
    create = """mutation($c: ID!, $t: String!) { createDeal(input: {title: $t, customerId: $c}) { deal { id } } }"""
    token = world.token("owner")
    seen, after, inserted = [], None, 0
    while True:
        page = (await gql(client, page_doc, {"after": after}, token=token))["data"]["deals"]
        seen += [e["node"]["title"] for e in page["edges"]]
        # Insert a deal that sorts before everything already read: it must not shift later pages.
        await gql(
            client, create, {"c": to_global_id("Customer", world.customers["direct"]), "t": f"A{inserted}"}, token=token
        )
        inserted += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(f"Deal {k}" for k in world.deals)
    total = (await gql(client, page_doc, {"after": None}, token=token))["data"]["deals"]["totalCount"]
    assert total == len(world.deals) + inserted
    back = await gql(
        client,
        """query($b: String) { deals(last: 2, before: $b, orderBy: TITLE) {
        edges { node { title } } pageInfo { hasPreviousPage } } }""",
        {"b": None},
        token=token,
    )
    assert [e["node"]["title"] for e in back["data"]["deals"]["edges"]] == ["Deal other", "Deal sub"]


async def test_page_size_limits(client, world):
    body = await gql(client, "{ deals(first: 101) { totalCount } }", token=world.token("owner"))
    assert codes(body) == ["BAD_USER_INPUT"]
    body = await gql(client, '{ deals(first: 2, after: "garbage!") { totalCount } }', token=world.token("owner"))
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_sales_rep_cannot_delete_others_rows_in_the_database(sessions, world):
    """Casbin never grants deletes, and the database refuses a rep's delete of another rep's rows too."""
    from sqlalchemy import text

    from authz.principal import Audience, Principal
    from tenants.database import tenant_session

    rep1 = Principal(
        Audience.VENDOR, user_id=world.people["rep1"].user_id, tenant_id=world.tenant_id, roles=frozenset({"sales_rep"})
    )
    async with tenant_session(sessions, rep1) as session:
        gone = await session.execute(
            text("delete from app.customers where id = :id"), {"id": world.customers["direct2"]}
        )
        assert gone.rowcount == 0
        await session.rollback()

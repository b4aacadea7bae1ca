"""Partners through the API: who may create, update and archive them; what a partner admin may change of its
own partner (and that another partner is not found); the hierarchy as `subPartners`, `parent` and
`partners(filter: {belowId})`, and the scope it gives a distributor; `Partner.users`; and that a partner cannot
be moved under itself or its own sub-partner."""

from __future__ import annotations

import pytest

from schema.relay import to_global_id
from tests.client import codes, gql
from tests.world import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

PARTNER = "id name kind status tier territory version parent { name } subPartners { name }"
CREATE = "mutation($in: CreatePartnerInput!) { createPartner(input: $in) { partner { " + PARTNER + " } } }"
UPDATE = "mutation($in: UpdatePartnerInput!) { updatePartner(input: $in) { partner { " + PARTNER + " } } }"
ARCHIVE = "mutation($id: ID!, $v: Int!) { archivePartner(id: $id, version: $v) { partner { archivedAt version } } }"
LOOKUP = "query($id: ID!) { partner(id: $id) { " + PARTNER + " } }"
NAMES = """query($f: PartnerFilterInput) { partners(first: 100, filter: $f) {
    totalCount edges { node { name } } } }"""
VENDOR_ONLY = {"status": "SUSPENDED", "tier": "platinum", "kind": "MSP", "parentId": None}


def pid(world, key: str) -> str:
    return to_global_id("Partner", world.partners[key])


def token(world, persona: str) -> str | None:
    return None if persona == "anonymous" else world.token(persona)


async def answer(client, world, persona, doc, variables=None) -> dict:
    body = await gql(client, doc, variables, token=token(world, persona))
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def refused(client, sessions, world, persona, doc, variables, code) -> dict:
    before = await snapshot(sessions, world.tenant_id)
    body = await gql(client, doc, variables, token=token(world, persona))
    assert codes(body) == [code], body
    assert await snapshot(sessions, world.tenant_id) == before
    return body


async def names(client, world, persona, filter_=None) -> set[str]:
    found = await answer(client, world, persona, NAMES, {"f": filter_})
    assert found["totalCount"] == len(found["edges"])
    return {e["node"]["name"] for e in found["edges"]}


async def test_create_partner_per_role(client, sessions, world):
    for persona in ("owner", "admin", "channel_manager"):
        made = {"name": f"By {persona}", "kind": "REFERRAL", "tier": "bronze", "parentId": pid(world, "other")}
        partner = (await answer(client, world, persona, CREATE, {"in": made}))["partner"]
        assert partner | {"id": None} == {
            "id": None,
            "name": f"By {persona}",
            "kind": "REFERRAL",
            "status": "PROSPECT",
            "tier": "bronze",
            "territory": None,
            "version": 1,
            "parent": {"name": "Fabrikam"},
            "subPartners": [],
        }
    assert await names(client, world, "other_rep", {"belowId": pid(world, "other")}) == {
        "By owner",
        "By admin",
        "By channel_manager",
    }
    new = {"in": {"name": "Nope", "kind": "RESELLER"}}
    for persona in ("sales_manager", "rep1", "support", "dist_admin", "dist_rep", "customer"):
        await refused(client, sessions, world, persona, CREATE, new, "FORBIDDEN")
    await refused(client, sessions, world, "anonymous", CREATE, new, "UNAUTHENTICATED")
    blank = {"in": {"name": " ", "kind": "RESELLER"}}
    await refused(client, sessions, world, "owner", CREATE, blank, "BAD_USER_INPUT")


async def test_vendor_updates_and_archives(client, sessions, world):
    for version, persona in enumerate(("owner", "admin", "channel_manager"), start=1):
        change = {"id": pid(world, "other"), "version": version, "territory": persona, "status": "ONBOARDING"}
        partner = (await answer(client, world, persona, UPDATE, {"in": change}))["partner"]
        assert (partner["territory"], partner["status"], partner["version"]) == (persona, "ONBOARDING", version + 1)
    stale = {"in": {"id": pid(world, "other"), "version": 1, "tier": "gold"}}
    await refused(client, sessions, world, "owner", UPDATE, stale, "CONFLICT")
    for persona in ("sales_manager", "rep1", "support", "other_rep", "customer"):
        await refused(client, sessions, world, persona, UPDATE, stale, "FORBIDDEN")
    target = {"id": pid(world, "other"), "v": 4}
    for persona in ("sales_manager", "support", "other_admin"):
        await refused(client, sessions, world, persona, ARCHIVE, target, "FORBIDDEN")
    archived = await answer(client, world, "channel_manager", ARCHIVE, target)
    assert archived["partner"]["version"] == 5 and archived["partner"]["archivedAt"] is not None
    assert await names(client, world, "owner") == {"Northwind", "Contoso"}
    assert await names(client, world, "owner", {"includeArchived": True}) == {"Northwind", "Contoso", "Fabrikam"}


async def test_partner_admin_updates_its_own_profile_only(client, sessions, world):
    change = {"id": pid(world, "dist"), "version": 1, "name": "Northwind Traders", "territory": "EMEA"}
    partner = (await answer(client, world, "dist_admin", UPDATE, {"in": change}))["partner"]
    assert (partner["name"], partner["territory"], partner["version"]) == ("Northwind Traders", "EMEA", 2)
    assert (partner["kind"], partner["status"], partner["tier"]) == ("DISTRIBUTOR", "ACTIVE", "gold")
    for field, value in VENDOR_ONLY.items():
        body = await refused(
            client,
            sessions,
            world,
            "dist_admin",
            UPDATE,
            {"in": {"id": pid(world, "dist"), "version": 2, field: value}},
            "BAD_USER_INPUT",
        )
        assert body["errors"][0]["extensions"]["field"] == "input"
    # Its sub-partner is within its scope; a sibling reseller, or the distributor above, is not found.
    sub = {"in": {"id": pid(world, "sub"), "version": 1, "territory": "Nordics"}}
    assert (await answer(client, world, "dist_admin", UPDATE, sub))["partner"]["territory"] == "Nordics"
    other = {"in": {"id": pid(world, "other"), "version": 1, "territory": "Mine"}}
    await refused(client, sessions, world, "dist_admin", UPDATE, other, "NOT_FOUND")
    above = {"in": {"id": pid(world, "dist"), "version": 2, "territory": "Mine"}}
    await refused(client, sessions, world, "sub_admin", UPDATE, above, "NOT_FOUND")
    await refused(client, sessions, world, "dist_rep", UPDATE, above, "FORBIDDEN")
    assert codes(await gql(client, LOOKUP, {"id": pid(world, "other")}, token=world.token("dist_admin"))) == [
        "NOT_FOUND"
    ]


async def test_hierarchy_and_the_distributors_scope(client, world):
    made = {"name": "Tailspin", "kind": "RESELLER", "parentId": pid(world, "sub")}
    await answer(client, world, "owner", CREATE, {"in": made})
    dist = await answer(client, world, "owner", LOOKUP, {"id": pid(world, "dist")})
    assert (dist["parent"], dist["subPartners"]) == (None, [{"name": "Contoso"}])
    sub = await answer(client, world, "owner", LOOKUP, {"id": pid(world, "sub")})
    assert (sub["parent"], sub["subPartners"]) == ({"name": "Northwind"}, [{"name": "Tailspin"}])
    assert await names(client, world, "owner", {"belowId": pid(world, "dist")}) == {"Contoso", "Tailspin"}
    assert await names(client, world, "owner", {"belowId": pid(world, "sub")}) == {"Tailspin"}
    assert await names(client, world, "owner", {"parentId": pid(world, "dist")}) == {"Contoso"}
    assert await names(client, world, "owner", {"belowId": pid(world, "other")}) == set()
    # A distributor sees its sub-partners at any depth, and their deals and customers.
    assert await names(client, world, "dist_rep") == {"Northwind", "Contoso", "Tailspin"}
    seen = await answer(
        client,
        world,
        "dist_admin",
        "query($id: ID!) { partner(id: $id) { deals { title } customers { name } } }",
        {"id": pid(world, "sub")},
    )
    assert seen == {"deals": [{"title": "Deal sub"}], "customers": [{"name": "Customer sub"}]}
    # The sub-reseller sees below itself only: not the distributor, nor its data, nor its hierarchy.
    assert await names(client, world, "sub_admin") == {"Contoso", "Tailspin"}
    assert (await answer(client, world, "sub_rep", LOOKUP, {"id": pid(world, "sub")}))["parent"] is None
    assert await names(client, world, "sub_rep", {"belowId": pid(world, "dist")}) == set()
    for doc, gid in (
        (LOOKUP, pid(world, "dist")),
        ("query($id: ID!) { customer(id: $id) { name } }", to_global_id("Customer", world.customers["dist"])),
        ("query($id: ID!) { deal(id: $id) { title } }", to_global_id("Deal", world.deals["dist"])),
    ):
        assert codes(await gql(client, doc, {"id": gid}, token=world.token("sub_admin"))) == ["NOT_FOUND"]
    deals = await answer(client, world, "sub_rep", "{ deals(first: 10) { edges { node { title } } } }")
    assert [e["node"]["title"] for e in deals["edges"]] == ["Deal sub"]


async def test_partner_users_are_its_members(client, world):
    query = "query($id: ID!) { partner(id: $id) { users { email roles partner { name } } } }"

    async def members(persona, key):
        users = (await answer(client, world, persona, query, {"id": pid(world, key)}))["users"]
        return [(u["email"], tuple(u["roles"]), u["partner"]["name"]) for u in users]

    dist = {
        ("dist_admin@dist.example", ("partner_admin",), "Northwind"),
        ("dist_rep@dist.example", ("partner_rep",), "Northwind"),
    }
    assert set(await members("owner", "dist")) == dist
    assert set(await members("dist_rep", "dist")) == dist
    sub = {
        ("sub_admin@sub.example", ("partner_admin",), "Contoso"),
        ("sub_rep@sub.example", ("partner_rep",), "Contoso"),
    }
    assert set(await members("dist_admin", "sub")) == sub
    assert set(await members("sub_rep", "sub")) == sub
    invite = """mutation { inviteUser(input: {email: "new@sub.example", name: "New", audience: PARTNER,
        roles: ["partner_rep"]}) { user { email } } }"""
    await answer(client, world, "sub_admin", invite)
    # Members are listed in the order they joined.
    assert (await members("owner", "sub"))[-1] == ("new@sub.example", ("partner_rep",), "Contoso")
    assert len(await members("owner", "sub")) == 3
    assert len(await members("owner", "other")) == 2


async def test_a_partner_cannot_move_under_itself_or_its_sub_partner(client, sessions, world):
    made = {"name": "Tailspin", "kind": "RESELLER", "parentId": pid(world, "sub")}
    tailspin = (await answer(client, world, "owner", CREATE, {"in": made}))["partner"]["id"]
    for parent in (pid(world, "dist"), pid(world, "sub"), tailspin):  # itself, its child, its grandchild
        move = {"in": {"id": pid(world, "dist"), "version": 1, "parentId": parent}}
        body = await refused(client, sessions, world, "owner", UPDATE, move, "CONFLICT")
        assert body["errors"][0]["extensions"]["field"] == "parentId"
    assert await names(client, world, "owner", {"belowId": pid(world, "dist")}) == {"Contoso", "Tailspin"}
    assert await names(client, world, "dist_admin") == {"Northwind", "Contoso", "Tailspin"}
    # A legal move re-scopes at once: the sub-reseller leaves the distributor, the other reseller joins it.
    out = {"in": {"id": pid(world, "sub"), "version": 1, "parentId": None}}
    assert (await answer(client, world, "admin", UPDATE, out))["partner"]["parent"] is None
    under = {"in": {"id": pid(world, "other"), "version": 1, "parentId": pid(world, "dist")}}
    assert (await answer(client, world, "admin", UPDATE, under))["partner"]["parent"] == {"name": "Northwind"}
    assert await names(client, world, "dist_admin") == {"Northwind", "Fabrikam"}
    deals = await answer(client, world, "dist_rep", "{ deals(first: 10) { edges { node { title } } } }")
    assert {e["node"]["title"] for e in deals["edges"]} == {"Deal dist", "Deal other"}


async def test_changing_a_partners_website_keeps_its_domain(client, world):
    body = await gql(
        client,
        "mutation($id: ID!) { updatePartner(input: {id: $id, version: 1, website: null}) { partner { website domain } } }",
        {"id": pid(world, "dist")},
        token=world.token("owner"),
    )
    assert body["data"]["updatePartner"]["partner"] == {"website": None, "domain": "northwind.example"}, body

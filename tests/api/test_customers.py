"""Customers and contacts through the API: who may create, update and archive them, optimistic versions,
partner-made customers landing in the partner's scope, the `customers` filters, `Contact.name`, and the
argument masks (a filter over a field the caller may not read is refused naming it) on both read paths."""

from __future__ import annotations

import pytest

from schema.relay import to_global_id
from tests.client import codes, gql
from tests.world import build_world, snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

CREATE = """mutation($in: CreateCustomerInput!) { createCustomer(input: $in) {
    customer { id name domain lifecycleStage version partner { name } } } }"""
UPDATE = """mutation($in: UpdateCustomerInput!) { updateCustomer(input: $in) {
    customer { name industry lifecycleStage version } } }"""
ARCHIVE = "mutation($id: ID!, $v: Int!) { archiveCustomer(id: $id, version: $v) { customer { archivedAt version } } }"
OWNER = "query($id: ID!) { customer(id: $id) { owner { id } } }"
LIST = """query($f: CustomerFilterInput) { customers(first: 100, filter: $f) {
    totalCount edges { node { name } } } }"""
CREATE_CONTACT = """mutation($in: CreateContactInput!) { createContact(input: $in) {
    contact { id name firstName lastName version customer { name } } } }"""
UPDATE_CONTACT = """mutation($in: UpdateContactInput!) { updateContact(input: $in) {
    contact { name lastName email version } } }"""


def cid(world, key: str) -> str:
    return to_global_id("Customer", world.customers[key])


async def names(client, world, persona: str, filter_: dict | None = None) -> set[str]:
    body = await gql(client, LIST, {"f": filter_}, token=world.token(persona))
    assert "errors" not in body, body
    found = body["data"]["customers"]
    assert found["totalCount"] == len(found["edges"])
    return {e["node"]["name"] for e in found["edges"]}


async def refused_unchanged(client, sessions, world, doc, variables, token, code) -> dict:
    before = await snapshot(sessions, world.tenant_id)
    body = await gql(client, doc, variables, token=token)
    assert codes(body) == [code], body
    assert await snapshot(sessions, world.tenant_id) == before
    return body


async def test_create_customer_per_role(client, sessions, world):
    for persona in ("owner", "admin", "channel_manager", "sales_manager", "rep1"):
        name = f"Made by {persona}"
        body = await gql(
            client, CREATE, {"in": {"name": name, "domain": "https://www.X.example/a"}}, token=world.token(persona)
        )
        made = body["data"]["createCustomer"]["customer"]
        assert made | {"id": None} == {
            "id": None,
            "name": name,
            "domain": "x.example",
            "lifecycleStage": "PROSPECT",
            "version": 1,
            "partner": None,
        }
        owner = await gql(client, OWNER, {"id": made["id"]}, token=world.token("owner"))
        assert owner["data"]["customer"]["owner"]["id"] == to_global_id("User", world.people[persona].user_id)
    for persona, code in (("support", "FORBIDDEN"), ("dist_rep", "FORBIDDEN"), ("customer", "FORBIDDEN")):
        await refused_unchanged(client, sessions, world, CREATE, {"in": {"name": "No"}}, world.token(persona), code)
    await refused_unchanged(client, sessions, world, CREATE, {"in": {"name": "No"}}, None, "UNAUTHENTICATED")
    await refused_unchanged(
        client, sessions, world, CREATE, {"in": {"name": "  "}}, world.token("owner"), "BAD_USER_INPUT"
    )


async def test_partner_admin_creates_a_customer_in_its_scope(client, sessions, world):
    body = await gql(client, CREATE, {"in": {"name": "Sub New"}}, token=world.token("sub_admin"))
    made = body["data"]["createCustomer"]["customer"]
    assert made["partner"] == {"name": "Contoso"}
    assert "Sub New" in await names(client, world, "sub_rep")
    assert "Sub New" in await names(client, world, "dist_admin")  # the distributor sees its sub-partner's
    assert "Sub New" not in await names(client, world, "other_admin")
    lookup = await gql(
        client, "query($id: ID!) { customer(id: $id) { name } }", {"id": made["id"]}, token=world.token("other_rep")
    )
    assert codes(lookup) == ["NOT_FOUND"]
    owner = await gql(client, OWNER, {"id": made["id"]}, token=world.token("owner"))
    assert owner["data"]["customer"]["owner"] is None
    # A partner names no partner outside its scope and no owner.
    other = {"name": "Elsewhere", "partnerId": to_global_id("Partner", world.partners["other"])}
    await refused_unchanged(client, sessions, world, CREATE, {"in": other}, world.token("dist_admin"), "NOT_FOUND")
    # A vendor user is not visible to a partner (NOT_FOUND); one of its own users is still not an owner.
    vendor = {"name": "Owned", "ownerId": to_global_id("User", world.people["rep1"].user_id)}
    await refused_unchanged(client, sessions, world, CREATE, {"in": vendor}, world.token("dist_admin"), "NOT_FOUND")
    own = {"name": "Owned", "ownerId": to_global_id("User", world.people["dist_rep"].user_id)}
    await refused_unchanged(client, sessions, world, CREATE, {"in": own}, world.token("dist_admin"), "BAD_USER_INPUT")


async def test_update_customer_roles_ownership_and_versions(client, sessions, world, app, new_tenant):
    for v, persona in enumerate(("owner", "admin", "channel_manager", "sales_manager"), start=1):
        body = await gql(
            client,
            UPDATE,
            {"in": {"id": cid(world, "sub"), "version": v, "industry": persona}},
            token=world.token(persona),
        )
        assert body["data"]["updateCustomer"]["customer"] == {
            "name": "Customer sub",
            "industry": persona,
            "lifecycleStage": "PROSPECT",
            "version": v + 1,
        }
    # rep1 owns `direct`, rep2 owns `direct2`: a rep changes only its own accounts.
    own = {"id": cid(world, "direct"), "version": 1, "lifecycleStage": "CUSTOMER"}
    body = await gql(client, UPDATE, {"in": own}, token=world.token("rep1"))
    assert body["data"]["updateCustomer"]["customer"]["lifecycleStage"] == "CUSTOMER"
    theirs = {"in": {"id": cid(world, "direct2"), "version": 1, "name": "Taken"}}
    await refused_unchanged(client, sessions, world, UPDATE, theirs, world.token("rep1"), "FORBIDDEN")
    for persona in ("support", "dist_admin", "customer"):
        await refused_unchanged(client, sessions, world, UPDATE, theirs, world.token(persona), "FORBIDDEN")
    stale = {"in": {"id": cid(world, "sub"), "version": 1, "name": "Stale"}}
    body = await refused_unchanged(client, sessions, world, UPDATE, stale, world.token("owner"), "CONFLICT")
    assert body["errors"][0]["extensions"]["field"] == "version"
    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    await refused_unchanged(client, sessions, world, UPDATE, theirs, foreign.token("owner"), "NOT_FOUND")


async def test_archive_customer(client, sessions, world):
    target = {"id": cid(world, "other"), "v": 1}
    for persona in ("channel_manager", "rep1", "dist_admin"):
        await refused_unchanged(client, sessions, world, ARCHIVE, target, world.token(persona), "FORBIDDEN")
    body = await gql(client, ARCHIVE, target, token=world.token("sales_manager"))
    archived = body["data"]["archiveCustomer"]["customer"]
    assert archived["version"] == 2 and archived["archivedAt"] is not None
    assert "Customer other" not in await names(client, world, "owner")
    assert "Customer other" in await names(client, world, "owner", {"includeArchived": True})
    assert "Customer other" in await names(client, world, "other_admin", {"includeArchived": True})
    await refused_unchanged(client, sessions, world, ARCHIVE, target, world.token("owner"), "CONFLICT")


async def test_contacts_create_update_and_name(client, reference, sessions, world):
    made = {}
    for persona, key, first, last in (
        ("owner", "direct", " Ada", "Lovelace "),
        ("rep2", "direct2", "Grace", ""),
        ("dist_rep", "sub", "Alan", "Turing"),
    ):
        body = await gql(
            client,
            CREATE_CONTACT,
            {"in": {"firstName": first, "lastName": last, "customerId": cid(world, key)}},
            token=world.token(persona),
        )
        made[key] = body["data"]["createContact"]["contact"]
        assert made[key]["firstName"] == first and made[key]["lastName"] == last
        assert made[key]["customer"] == {"name": f"Customer {key}"}
    assert [made[k]["name"] for k in ("direct", "direct2", "sub")] == ["Ada Lovelace", "Grace", "Alan Turing"]
    query = "query($id: ID!) { contact(id: $id) { name } }"
    for path in (client, reference):
        body = await gql(path, query, {"id": made["direct"]["id"]}, token=world.token("support"))
        assert body["data"]["contact"]["name"] == "Ada Lovelace"
    cid_sub = {"in": {"firstName": "Nope", "customerId": cid(world, "sub")}}
    await refused_unchanged(client, sessions, world, CREATE_CONTACT, cid_sub, world.token("other_rep"), "NOT_FOUND")
    await refused_unchanged(client, sessions, world, CREATE_CONTACT, cid_sub, world.token("customer"), "FORBIDDEN")
    await refused_unchanged(client, sessions, world, CREATE_CONTACT, cid_sub, None, "UNAUTHENTICATED")
    # Updating the last name changes the name; an email another contact of the customer has is CONFLICT.
    change = {"id": made["sub"]["id"], "version": 1, "lastName": "", "email": "alan@sub.customer.example"}
    body = await gql(client, UPDATE_CONTACT, {"in": change}, token=world.token("sub_admin"))
    assert body["data"]["updateContact"]["contact"] == {
        "name": "Alan",
        "lastName": "",
        "email": "alan@sub.customer.example",
        "version": 2,
    }
    taken = {"in": {"id": made["sub"]["id"], "version": 2, "email": "PAT@sub.customer.example"}}
    await refused_unchanged(client, sessions, world, UPDATE_CONTACT, taken, world.token("owner"), "CONFLICT")
    stale = {"in": {"id": made["sub"]["id"], "version": 1, "title": "CTO"}}
    await refused_unchanged(client, sessions, world, UPDATE_CONTACT, stale, world.token("owner"), "CONFLICT")


async def test_customer_filters_return_exactly_the_expected_rows(client, reference, world):
    extra = {
        "name": "Acme Retail",
        "domain": "acme-retail.example",
        "industry": "retail",
        "lifecycleStage": "CUSTOMER",
        "partnerId": to_global_id("Partner", world.partners["dist"]),
        "ownerId": to_global_id("User", world.people["rep2"].user_id),
    }
    assert "errors" not in await gql(client, CREATE, {"in": extra}, token=world.token("admin"))
    assert "errors" not in await gql(client, ARCHIVE, {"id": cid(world, "other"), "v": 1}, token=world.token("admin"))
    dist = to_global_id("Partner", world.partners["dist"])
    rep1, rep2 = (to_global_id("User", world.people[r].user_id) for r in ("rep1", "rep2"))
    every = {f"Customer {k}" for k in world.customers} | {"Acme Retail"}
    cases = [
        (None, every - {"Customer other"}),
        ({"search": "  customer D "}, {"Customer direct", "Customer direct2", "Customer dist"}),
        ({"search": "retail.EXAMPLE"}, {"Acme Retail"}),  # the domain matches too
        ({"search": "%"}, set()),  # wildcards are literal
        ({"lifecycleStage": "CUSTOMER"}, {"Acme Retail"}),
        ({"partnerId": dist}, {"Customer dist", "Acme Retail"}),
        ({"ownerId": rep2}, {"Customer direct2", "Customer sub", "Acme Retail"}),
        ({"ownerId": rep1}, {"Customer direct", "Customer dist"}),
        ({"ownerId": rep1, "includeArchived": True}, {"Customer direct", "Customer dist", "Customer other"}),
        ({"industry": "retail"}, {"Acme Retail"}),
        ({"partnerId": dist, "ownerId": rep1}, {"Customer dist"}),
        ({"includeArchived": True}, every),
    ]
    for path in (client, reference):
        for filter_, expected in cases:
            assert await names(path, world, "sales_manager", filter_) == expected, filter_


@pytest.mark.parametrize(
    "persona,filter_key,field",
    [
        ("dist_admin", "ownerId", "Customer.owner"),
        ("sub_rep", "ownerId", "Customer.owner"),
        ("customer", "partnerId", "Customer.partner"),
        ("customer", "ownerId", "Customer.owner"),
    ],
)
async def test_argument_masks_on_both_read_paths(app, client, reference, world, persona, filter_key, field):
    value = {
        "ownerId": to_global_id("User", world.people["rep1"].user_id),
        "partnerId": to_global_id("Partner", world.partners["dist"]),
    }[filter_key]
    served = app.state.compiled.served
    compiled = await gql(client, LIST, {"f": {filter_key: value}}, token=world.token(persona))
    assert app.state.compiled.served == served + 1  # the compiled path answered the refusal itself
    resolved = await gql(reference, LIST, {"f": {filter_key: value}}, token=world.token(persona))
    assert compiled == resolved
    assert codes(compiled) == ["FORBIDDEN"] and compiled.get("data") is None
    assert compiled["errors"][0]["extensions"]["field"] == field
    # The same caller may still list what it can see; vendors may use the filter.
    expected = {
        "customer": {"Customer dist"},
        "sub_rep": {"Customer sub"},
        "dist_admin": {"Customer dist", "Customer sub"},
    }
    for path in (client, reference):
        assert await names(path, world, persona) == expected[persona]
        expect_vendor = (
            {"Customer direct", "Customer dist", "Customer other"} if filter_key == "ownerId" else {"Customer dist"}
        )
        for vendor in ("owner", "support", "rep2"):
            assert await names(path, world, vendor, {filter_key: value}) == expect_vendor


async def test_a_rep_may_not_hand_its_account_to_another_owner(client, sessions, world):
    """The owner-only row policy refuses the change; the answer is FORBIDDEN, never INTERNAL."""
    to_rep2 = {
        "in": {"id": cid(world, "direct"), "version": 1, "ownerId": to_global_id("User", world.people["rep2"].user_id)}
    }
    body = await refused_unchanged(client, sessions, world, UPDATE, to_rep2, world.token("rep1"), "FORBIDDEN")
    assert "internal" not in body["errors"][0]["message"]


async def test_a_partner_customer_without_a_partner_is_the_partners_own(client, sessions, world):
    body = await gql(client, CREATE, {"in": {"name": "Nullco", "partnerId": None}}, token=world.token("dist_admin"))
    assert body["data"]["createCustomer"]["customer"]["partner"] == {"name": "Northwind"}, body

"""The audit log through the API: what a change writes, what `auditLog` returns, and who may read it.

Every change made through a mutation leaves one entry with its actor, action, and the state before and
after; `auditLog(filter:)` returns exactly the matching entries, newest first; owners and admins read it,
nobody else does, and another tenant never sees this tenant's entries. Secrets stay out of `before`/`after`.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from authz.principal import Principal
from schema.relay import to_global_id
from tenants.database import tenant_session
from tests.client import codes, gql
from tests.world import build_world

pytestmark = pytest.mark.asyncio(loop_scope="session")

AUDIT = """query($f: AuditFilterInput, $first: Int, $after: String) {
  auditLog(first: $first, after: $after, filter: $f) {
    totalCount
    edges { node { id action entityType entityId actorId actorAudience apiKeyId before after at } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CREATE = """mutation($name: String!, $industry: String) {
  createCustomer(input: {name: $name, industry: $industry}) { customer { id version } }
}"""
UPDATE = """mutation($id: ID!, $v: Int!, $industry: String) {
  updateCustomer(input: {id: $id, version: $v, industry: $industry}) { customer { id version } }
}"""
ARCHIVE = "mutation($id: ID!, $v: Int!) { archiveCustomer(id: $id, version: $v) { customer { archivedAt } } }"


def user_gid(world, persona: str) -> str:
    return to_global_id("User", world.people[persona].user_id)


async def entries(client, token: str, **filters) -> list[dict]:
    body = await gql(client, AUDIT, {"f": filters or None, "first": 100}, token=token)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["auditLog"]["edges"]]


async def make_customer(client, token: str, name: str, industry: str | None = None) -> str:
    body = await gql(client, CREATE, {"name": name, "industry": industry}, token=token)
    assert "errors" not in body, body
    return body["data"]["createCustomer"]["customer"]["id"]


async def test_create_update_archive_each_write_an_entry_with_before_and_after(client, world):
    token = world.token("admin")
    customer = await make_customer(client, token, "Audited Ltd", "Retail")
    updated = await gql(client, UPDATE, {"id": customer, "v": 1, "industry": "Software"}, token=token)
    assert "errors" not in updated, updated
    archived = await gql(client, ARCHIVE, {"id": customer, "v": 2}, token=token)
    assert archived["data"]["archiveCustomer"]["customer"]["archivedAt"]

    found = await entries(client, world.token("owner"), entityId=customer)
    assert [e["action"] for e in found] == ["customer.archive", "customer.update", "customer.create"]
    for entry in found:
        assert entry["entityId"] == customer and entry["entityType"] == "Customer"
        assert entry["actorId"] == user_gid(world, "admin") and entry["actorAudience"] == "vendor"
        assert entry["apiKeyId"] is None
    archive, update, create = found
    assert create["before"] is None
    assert create["after"]["name"] == "Audited Ltd" and create["after"]["industry"] == "Retail"
    assert create["after"]["version"] == 1 and create["after"]["archived_at"] is None
    assert (update["before"]["industry"], update["after"]["industry"]) == ("Retail", "Software")
    assert (update["before"]["version"], update["after"]["version"]) == (1, 2)
    assert update["before"]["name"] == update["after"]["name"] == "Audited Ltd"
    assert archive["before"]["archived_at"] is None and archive["after"]["archived_at"] is not None
    assert archive["before"]["industry"] == archive["after"]["industry"] == "Software"
    ats = [dt.datetime.fromisoformat(e["at"]) for e in found]
    assert ats == sorted(ats, reverse=True)


async def test_a_refused_change_writes_no_entry(client, sessions, world):
    """A sales rep may not update another rep's customer: FORBIDDEN, and the log has nothing new."""
    customer = to_global_id("Customer", world.customers["direct2"])  # owned by rep2
    before = await entries(client, world.token("owner"), entityId=customer)
    count = await audit_count(sessions, world.tenant_id)
    body = await gql(client, UPDATE, {"id": customer, "v": 1, "industry": "X"}, token=world.token("rep1"))
    assert codes(body) == ["FORBIDDEN"]
    assert await entries(client, world.token("owner"), entityId=customer) == before
    assert await audit_count(sessions, world.tenant_id) == count


async def test_a_partner_change_is_audited_though_partners_cannot_read_it(client, world):
    customer = await make_customer(client, world.token("dist_admin"), "Partner Made")
    found = await entries(client, world.token("owner"), entityId=customer)
    assert [(e["action"], e["actorId"], e["actorAudience"]) for e in found] == [
        ("customer.create", user_gid(world, "dist_admin"), "partner")
    ]
    assert found[0]["after"]["partner_id"] == str(world.partners["dist"])


async def test_filters_return_exactly_the_matching_entries_newest_first(client, world):
    owner, admin = world.token("owner"), world.token("admin")
    first = await make_customer(client, admin, "Filter One")
    second = await make_customer(client, admin, "Filter Two")
    await gql(client, UPDATE, {"id": first, "v": 1, "industry": "Mining"}, token=admin)
    mine = await make_customer(client, owner, "Owner's Own")

    by_admin = await entries(client, owner, actorId=user_gid(world, "admin"))
    assert [(e["action"], e["entityId"]) for e in by_admin] == [
        ("customer.update", first),
        ("customer.create", second),
        ("customer.create", first),
    ]
    created_by_admin = await entries(client, owner, actorId=user_gid(world, "admin"), action="customer.create")
    assert [e["entityId"] for e in created_by_admin] == [second, first]

    since = by_admin[1]["at"]  # the second customer's creation
    recent = await entries(client, owner, since=since)
    assert [(e["action"], e["entityId"]) for e in recent] == [
        ("customer.create", mine),
        ("customer.update", first),
        ("customer.create", second),
    ]
    assert await entries(client, owner, since=since, entityType="Partner") == []
    updates = await entries(client, owner, since=since, entityType="Customer", action="customer.update")
    assert [e["entityId"] for e in updates] == [first]

    # The world was built by the tenant's system principal: its entries have no actor, and stay older.
    partners = await entries(client, owner, entityType="Partner")
    assert {e["action"] for e in partners} == {"partner.create"} and len(partners) == 3
    assert all(e["actorId"] is None and e["actorAudience"] == "system" for e in partners)
    nothing = await entries(client, owner, entityId=to_global_id("Customer", world.partners["dist"]))
    assert nothing == []


async def test_pages_continue_newest_first(client, world):
    owner = world.token("owner")
    whole = await entries(client, owner)
    body = await gql(client, AUDIT, {"first": 3}, token=owner)
    page = body["data"]["auditLog"]
    assert page["totalCount"] == len(whole) and page["pageInfo"]["hasNextPage"]
    rest = await gql(client, AUDIT, {"first": 100, "after": page["pageInfo"]["endCursor"]}, token=owner)
    ids = [e["node"]["id"] for e in page["edges"] + rest["data"]["auditLog"]["edges"]]
    assert ids == [e["id"] for e in whole]


async def audit_count(sessions, tenant_id) -> int:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        return (await s.execute(text("select count(*) from app.audit_log"))).scalar()


async def test_only_owners_and_admins_read_it(app, client, sessions, new_tenant, world):
    customer = await make_customer(client, world.token("owner"), "Seen By Admins")
    for persona in ("owner", "admin"):
        assert [e["action"] for e in await entries(client, world.token(persona), entityId=customer)] == [
            "customer.create"
        ]
    for persona in sorted(set(world.people) - {"owner", "admin"}):
        body = await gql(client, AUDIT, {"f": {"entityId": customer}}, token=world.token(persona))
        assert codes(body) == ["FORBIDDEN"], (persona, body)
        assert body.get("data") is None
    assert codes(await gql(client, AUDIT, {"f": {"entityId": customer}})) == ["UNAUTHENTICATED"]

    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    theirs = foreign.token("owner")
    assert await entries(client, theirs, entityId=customer) == []
    assert await entries(client, theirs, actorId=user_gid(world, "owner")) == []
    seen = await entries(client, theirs)
    assert len(seen) == await audit_count(sessions, foreign.tenant_id)
    assert customer not in {e["entityId"] for e in seen}


HIDDEN = ("password_hash", "secret_hash", "token_hash", "secret")


async def test_secrets_never_appear_in_before_or_after(client, world):
    owner = world.token("owner")
    invited = await gql(
        client,
        'mutation { inviteUser(input: {email: "hidden@audit.example", name: "H", audience: VENDOR, roles: ["support"]})'
        " { user { id } invitationToken } }",
        token=owner,
    )
    invitation = invited["data"]["inviteUser"]["invitationToken"]
    password = "a long enough password"
    accepted = await gql(
        client,
        "mutation($t: String!, $k: String!, $p: String!) { acceptInvitation(tenant: $t, token: $k, password: $p)"
        " { token } }",
        {"t": world.slug, "k": invitation, "p": password},
    )
    assert "errors" not in accepted, accepted
    key = await gql(
        client,
        'mutation { createApiKey(input: {name: "audit", audience: VENDOR, roles: ["support"]}) { apiKey { id } token } }',
        token=owner,
    )
    api_token = key["data"]["createApiKey"]["token"]
    revoked = await gql(
        client,
        "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } } }",
        {"id": key["data"]["createApiKey"]["apiKey"]["id"]},
        token=owner,
    )
    assert revoked["data"]["revokeApiKey"]["apiKey"]["revokedAt"]

    found = await entries(client, owner, actorId=user_gid(world, "owner"))
    assert {"user.create", "user.invite", "api_key.create", "api_key.revoke"} <= {e["action"] for e in found}
    everything = await entries(client, owner)
    assert any(e["action"] == "user.accept_invitation" for e in everything)
    for entry in everything:
        for state in (entry["before"], entry["after"]):
            # A column declared secret shows only the marker.
            assert all((state or {}).get(name, "[secret]") == "[secret]" for name in HIDDEN), entry
        dumped = json.dumps([entry["before"], entry["after"]])
        for secret in (invitation, password, api_token, api_token.split("_", 2)[2]):
            assert secret not in dumped, entry


async def test_the_webhook_signing_secret_stays_out_of_the_log(client, world):
    owner = world.token("owner")
    hook = await gql(
        client,
        'mutation { createWebhookEndpoint(input: {url: "https://93.184.215.14/hook", eventTypes: ["deal.won"]})'
        " { endpoint { id } secret } }",
        token=owner,
    )
    created = hook["data"]["createWebhookEndpoint"]
    found = await entries(client, owner, entityId=created["endpoint"]["id"])
    assert [e["action"] for e in found] == ["webhook.create"]
    assert found[0]["after"]["secret"] == "[secret]"
    assert created["secret"] not in json.dumps(found[0]["after"])
    updated = await gql(
        client,
        'mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, version: 1, description: "x"}) { endpoint { id } } }',
        {"id": created["endpoint"]["id"]},
        token=owner,
    )
    assert "errors" not in updated, updated
    found = await entries(client, owner, entityId=created["endpoint"]["id"])
    assert [e["action"] for e in found] == ["webhook.update", "webhook.create"]
    assert found[0]["before"]["secret"] == found[0]["after"]["secret"] == "[secret]"
    assert created["secret"] not in json.dumps([e["before"] for e in found] + [e["after"] for e in found])

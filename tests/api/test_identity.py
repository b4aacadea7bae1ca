"""Identity through the API: invitations, sign-in, roles, revocation, API keys, and listing users.

An invited user accepts once, signs in, and its token works; failures to sign in all look the same; role
changes and revocations take effect on the next request; partner admins manage only their own partner's
people; an API key is shown once, authenticates, is listed by prefix and stops working when revoked;
`users` filters within the caller's scope and `user(id)` of another tenant is not found; every signed-in user
changes its own name (only that: no email, no roles), an API key has no profile.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from authz.principal import Audience, Principal
from schema.relay import to_global_id
from tenants.database import tenant_session
from tenants.identity.api_keys import create_api_key
from tests.client import codes, gql
from tests.world import build_world, snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

INVITE = """mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { user { id email status roles active partner { name } } invitationToken }
}"""
ACCEPT = """mutation($t: String!, $k: String!, $p: String!) {
  acceptInvitation(tenant: $t, token: $k, password: $p) { token userId }
}"""
SIGN_IN = """mutation($t: String!, $e: String!, $p: String!) {
  signIn(tenant: $t, email: $e, password: $p) { token userId }
}"""
VIEWER = "{ viewer { audience roles permissions partnerId apiKey user { email } } }"
ASSIGN = "mutation($u: ID!, $r: [String!]!) { assignRoles(userId: $u, roles: $r) { user { roles } } }"
REVOKE = "mutation($u: ID!) { revokeAccess(userId: $u) { user { active } } }"
CREATE_KEY = """mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { apiKey { id name prefix audience roles revokedAt } token }
}"""
KEYS = "{ apiKeys { id name prefix audience revokedAt } }"
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id revokedAt } } }"
USERS = """query($search: String, $audience: MemberAudience, $partnerId: ID) {
  users(first: 100, search: $search, audience: $audience, partnerId: $partnerId) {
    totalCount edges { node { email } }
  }
}"""
PASSWORD = "correct horse battery"


def uid(world, persona: str) -> str:
    return to_global_id("User", world.people[persona].user_id)


async def invite(client, token, email, audience="VENDOR", roles=("sales_manager",), **extra) -> dict:
    given = {"email": email, "name": "New Person", "audience": audience, "roles": list(roles)} | extra
    return await gql(client, INVITE, {"input": given}, token=token)


async def emails(client, token, **arguments) -> list[str]:
    body = await gql(client, USERS, arguments, token=token)
    assert "errors" not in body, body
    return [edge["node"]["email"] for edge in body["data"]["users"]["edges"]]


async def test_invite_accept_and_sign_in(client, sessions, world):
    invited = await invite(client, world.token("admin"), "Newcomer@Identity.example")
    assert "errors" not in invited, invited
    user = invited["data"]["inviteUser"]["user"]
    assert (user["email"], user["status"], user["roles"], user["active"]) == (
        "Newcomer@Identity.example",
        "invited",
        ["sales_manager"],
        True,
    )
    token = invited["data"]["inviteUser"]["invitationToken"]
    assert token.startswith("cgi_")
    # Not signed in before accepting; a short password is refused and leaves the invitation usable.
    assert codes(await gql(client, SIGN_IN, {"t": world.slug, "e": user["email"], "p": PASSWORD})) == [
        "UNAUTHENTICATED"
    ]
    before = await snapshot(sessions, world.tenant_id)
    short = await gql(client, ACCEPT, {"t": world.slug, "k": token, "p": "short"})
    assert codes(short) == ["BAD_USER_INPUT"]
    assert codes(await invite(client, world.token("owner"), "NEWCOMER@identity.example")) == ["CONFLICT"]
    assert await snapshot(sessions, world.tenant_id) == before

    accepted = await gql(client, ACCEPT, {"t": world.slug, "k": token, "p": PASSWORD})
    assert accepted["data"]["acceptInvitation"]["userId"] == user["id"]
    viewer = await gql(client, VIEWER, token=accepted["data"]["acceptInvitation"]["token"])
    assert viewer["data"]["viewer"]["audience"] == "VENDOR" and viewer["data"]["viewer"]["roles"] == ["sales_manager"]
    assert viewer["data"]["viewer"]["user"] == {"email": "Newcomer@Identity.example"}

    # The invitation is one-time: a second acceptance fails and does not change the password.
    before = await snapshot(sessions, world.tenant_id)
    again = await gql(client, ACCEPT, {"t": world.slug, "k": token, "p": "another long password"})
    assert codes(again) == ["UNAUTHENTICATED"] and again.get("data") is None
    assert await snapshot(sessions, world.tenant_id) == before

    signed_in = await gql(client, SIGN_IN, {"t": world.slug, "e": "newcomer@identity.EXAMPLE", "p": PASSWORD})
    assert signed_in["data"]["signIn"]["userId"] == user["id"]
    viewer = await gql(client, VIEWER, token=signed_in["data"]["signIn"]["token"])
    assert viewer["data"]["viewer"]["user"] == {"email": "Newcomer@Identity.example"}


async def test_every_failed_sign_in_gives_the_same_answer(client, world):
    invited = await invite(client, world.token("owner"), "signin@identity.example")
    token = invited["data"]["inviteUser"]["invitationToken"]
    assert "errors" not in await gql(client, ACCEPT, {"t": world.slug, "k": token, "p": PASSWORD})
    assert "errors" not in await gql(client, SIGN_IN, {"t": world.slug, "e": "signin@identity.example", "p": PASSWORD})
    answers = []
    for tenant, email, password in (
        (world.slug, "signin@identity.example", "wrong password here"),
        ("no-such-tenant-anywhere", "signin@identity.example", PASSWORD),
        (world.slug, "nobody@identity.example", PASSWORD),
        (world.slug, f"owner@{world.slug}.example", PASSWORD),  # active, but never set a password
    ):
        body = await gql(client, SIGN_IN, {"t": tenant, "e": email, "p": password})
        assert codes(body) == ["UNAUTHENTICATED"] and body.get("data") is None, body
        answers.append(body["errors"][0]["message"])
    assert len(set(answers)) == 1, answers


async def test_assigned_roles_apply_on_the_next_request(client, sessions, world):
    token = world.token("rep1")
    viewer = (await gql(client, VIEWER, token=token))["data"]["viewer"]
    assert viewer["roles"] == ["sales_rep"] and "audit_log:read" not in viewer["permissions"]
    assert codes(await gql(client, "{ auditLog(first: 1) { totalCount } }", token=token)) == ["FORBIDDEN"]

    before = await snapshot(sessions, world.tenant_id)
    for roles in (["partner_admin"], ["no_such_role"], []):
        body = await gql(client, ASSIGN, {"u": uid(world, "rep1"), "r": roles}, token=world.token("admin"))
        assert codes(body) == ["BAD_USER_INPUT"], (roles, body)
    assert codes(await gql(client, ASSIGN, {"u": uid(world, "rep1"), "r": ["admin"]}, token=world.token("rep2"))) == [
        "FORBIDDEN"
    ]
    assert await snapshot(sessions, world.tenant_id) == before

    body = await gql(client, ASSIGN, {"u": uid(world, "rep1"), "r": ["admin", "sales_rep"]}, token=world.token("admin"))
    assert body["data"]["assignRoles"]["user"]["roles"] == ["admin", "sales_rep"]
    viewer = (await gql(client, VIEWER, token=token))["data"]["viewer"]
    assert viewer["roles"] == ["admin", "sales_rep"] and "audit_log:read" in viewer["permissions"]
    assert "errors" not in await gql(client, "{ auditLog(first: 1) { totalCount } }", token=token)


async def test_revoked_access_ends_the_next_request(client, sessions, world):
    assert "errors" not in await gql(client, VIEWER, token=world.token("rep2"))
    own = await gql(client, REVOKE, {"u": uid(world, "admin")}, token=world.token("admin"))
    assert codes(own) == ["BAD_USER_INPUT"]

    body = await gql(client, REVOKE, {"u": uid(world, "rep2")}, token=world.token("admin"))
    assert body["data"]["revokeAccess"]["user"] == {"active": False}
    refused = await gql(client, VIEWER, token=world.token("rep2"))
    assert codes(refused) == ["UNAUTHENTICATED"] and refused["_status"] == 401

    # A pending invitation dies with the access.
    invited = await invite(client, world.token("admin"), "pending@identity.example")
    pending = invited["data"]["inviteUser"]
    assert "errors" not in await gql(client, REVOKE, {"u": pending["user"]["id"]}, token=world.token("admin"))
    late = await gql(client, ACCEPT, {"t": world.slug, "k": pending["invitationToken"], "p": PASSWORD})
    assert codes(late) == ["UNAUTHENTICATED"]


async def test_partner_admins_manage_their_own_partner_only(client, sessions, world):
    dist = to_global_id("Partner", world.partners["dist"])
    admin = world.token("dist_admin")
    before = await snapshot(sessions, world.tenant_id)
    for audience, roles, extra in (
        ("VENDOR", ["support"], {}),
        ("CUSTOMER", ["customer_user"], {"customerId": to_global_id("Customer", world.customers["dist"])}),
        ("PARTNER", ["partner_rep"], {"partnerId": to_global_id("Partner", world.partners["sub"])}),
        ("PARTNER", ["partner_rep"], {"partnerId": to_global_id("Partner", world.partners["other"])}),
        ("PARTNER", ["admin"], {}),
    ):
        body = await invite(client, admin, "refused@partner.example", audience, roles, **extra)
        assert codes(body) == ["BAD_USER_INPUT"], (audience, extra, body)
    assert codes(await invite(client, world.token("dist_rep"), "rep@partner.example", "PARTNER", ["partner_rep"])) == [
        "FORBIDDEN"
    ]
    for persona in ("rep1", "owner", "other_rep", "sub_rep"):  # vendors, another partner, a sub-partner
        assert codes(await gql(client, REVOKE, {"u": uid(world, persona)}, token=admin)) == ["NOT_FOUND"], persona
    assert codes(await gql(client, ASSIGN, {"u": uid(world, "dist_rep"), "r": ["partner_admin"]}, token=admin)) == [
        "FORBIDDEN"
    ]
    assert await snapshot(sessions, world.tenant_id) == before

    body = await invite(client, admin, "joiner@dist.example", "PARTNER", ["partner_rep"])
    assert body["data"]["inviteUser"]["user"]["partner"] == {"name": "Northwind"}
    accepted = await gql(
        client, ACCEPT, {"t": world.slug, "k": body["data"]["inviteUser"]["invitationToken"], "p": PASSWORD}
    )
    viewer = (await gql(client, VIEWER, token=accepted["data"]["acceptInvitation"]["token"]))["data"]["viewer"]
    assert (viewer["audience"], viewer["roles"], viewer["partnerId"]) == ("PARTNER", ["partner_rep"], dist)
    assert "errors" not in await gql(client, REVOKE, {"u": uid(world, "dist_rep")}, token=admin)
    assert codes(await gql(client, VIEWER, token=world.token("dist_rep"))) == ["UNAUTHENTICATED"]


async def test_api_keys_are_shown_once_authenticate_and_stop_when_revoked(app, client, sessions, new_tenant, world):
    owner = world.token("owner")
    spec = {"name": "CRM sync", "audience": "VENDOR", "roles": ["sales_manager"]}
    created = (await gql(client, CREATE_KEY, {"input": spec}, token=owner))["data"]["createApiKey"]
    key, secret = created["apiKey"], created["token"]
    assert secret.startswith(key["prefix"] + "_") and key["prefix"].startswith("cg_")
    assert (key["name"], key["audience"], key["roles"], key["revokedAt"]) == (
        "CRM sync",
        "VENDOR",
        ["sales_manager"],
        None,
    )
    viewer = (await gql(client, VIEWER, authorization=f"Bearer {secret}"))["data"]["viewer"]
    assert (viewer["audience"], viewer["roles"], viewer["apiKey"], viewer["user"]) == (
        "VENDOR",
        ["sales_manager"],
        True,
        None,
    )
    listed = await gql(client, KEYS, token=owner)
    assert [k for k in listed["data"]["apiKeys"] if k["id"] == key["id"]] == [
        {"id": key["id"], "name": "CRM sync", "prefix": key["prefix"], "audience": "VENDOR", "revokedAt": None}
    ]
    assert secret.split("_", 2)[2] not in str(listed)

    # A partner admin issues keys for its own partner only, sees only those, and cannot revoke others'.
    partner = await gql(
        client,
        CREATE_KEY,
        {"input": {"name": "p", "audience": "PARTNER", "roles": ["partner_rep"]}},
        token=world.token("dist_admin"),
    )
    partner_viewer = (await gql(client, VIEWER, token=partner["data"]["createApiKey"]["token"]))["data"]["viewer"]
    assert partner_viewer["partnerId"] == to_global_id("Partner", world.partners["dist"])
    seen = (await gql(client, KEYS, token=world.token("dist_admin")))["data"]["apiKeys"]
    assert [k["id"] for k in seen] == [partner["data"]["createApiKey"]["apiKey"]["id"]]
    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    before = await snapshot(sessions, world.tenant_id)
    for token in (world.token("dist_admin"), foreign.token("owner")):
        assert codes(await gql(client, REVOKE_KEY, {"id": key["id"]}, token=token)) == ["NOT_FOUND"]
    assert await snapshot(sessions, world.tenant_id) == before
    assert "errors" not in await gql(client, VIEWER, token=secret)

    revoked = await gql(client, REVOKE_KEY, {"id": key["id"]}, token=owner)
    assert revoked["data"]["revokeApiKey"]["apiKey"]["revokedAt"]
    assert codes(await gql(client, VIEWER, token=secret)) == ["UNAUTHENTICATED"]
    listed = (await gql(client, KEYS, token=owner))["data"]["apiKeys"]
    assert [k["revokedAt"] is not None for k in listed if k["id"] == key["id"]] == [True]


async def test_users_filter_within_the_callers_scope(app, client, sessions, new_tenant, world):
    owner = world.token("owner")
    slug = world.slug
    assert await emails(client, owner, search="REP") == sorted(
        [
            f"rep1@{slug}.example",
            f"rep2@{slug}.example",
            "dist_rep@dist.example",
            "sub_rep@sub.example",
            "other_rep@other.example",
        ]
    )
    partners = await emails(client, owner, audience="PARTNER")
    assert partners == sorted(f"{k}_{r}@{k}.example" for k in ("dist", "sub", "other") for r in ("admin", "rep"))
    dist = to_global_id("Partner", world.partners["dist"])
    assert await emails(client, owner, partnerId=dist) == ["dist_admin@dist.example", "dist_rep@dist.example"]
    assert await emails(client, owner, audience="CUSTOMER") == ["buyer@dist.customer.example"]

    # A distributor sees its own and its sub-partner's people; a sub-partner only its own.
    assert await emails(client, world.token("dist_rep")) == [
        "dist_admin@dist.example",
        "dist_rep@dist.example",
        "sub_admin@sub.example",
        "sub_rep@sub.example",
    ]
    assert await emails(client, world.token("sub_admin")) == ["sub_admin@sub.example", "sub_rep@sub.example"]
    assert await emails(client, world.token("sub_admin"), partnerId=dist) == []
    assert await emails(client, world.token("other_admin"), search="rep") == ["other_rep@other.example"]
    assert codes(await gql(client, USERS, token=world.token("customer"))) == ["FORBIDDEN"]

    lookup = "query($id: ID!) { user(id: $id) { email } }"
    assert (await gql(client, lookup, {"id": uid(world, "sub_rep")}, token=world.token("dist_admin")))["data"] == {
        "user": {"email": "sub_rep@sub.example"}
    }
    for persona, target in (("sub_admin", "dist_admin"), ("dist_admin", "rep1"), ("other_admin", "sub_rep")):
        assert codes(await gql(client, lookup, {"id": uid(world, target)}, token=world.token(persona))) == ["NOT_FOUND"]
    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    assert codes(await gql(client, lookup, {"id": uid(world, "owner")}, token=foreign.token("owner"))) == ["NOT_FOUND"]
    assert f"owner@{slug}.example" not in await emails(client, foreign.token("owner"))


async def test_a_revoked_member_cannot_sign_in_again(client, world):
    invited = await invite(client, world.token("admin"), "leaver@identity.example")
    pending = invited["data"]["inviteUser"]
    accepted = await gql(client, ACCEPT, {"t": world.slug, "k": pending["invitationToken"], "p": PASSWORD})
    assert "errors" not in accepted, accepted
    credentials = {"t": world.slug, "e": "leaver@identity.example", "p": PASSWORD}
    assert "errors" not in await gql(client, SIGN_IN, credentials)
    assert "errors" not in await gql(client, REVOKE, {"u": pending["user"]["id"]}, token=world.token("admin"))
    refused = await gql(client, SIGN_IN, credentials)
    assert codes(refused) == ["UNAUTHENTICATED"]
    wrong = await gql(client, SIGN_IN, credentials | {"e": "nobody@identity.example"})
    assert refused["errors"][0]["message"] == wrong["errors"][0]["message"]  # the same answer as a stranger


PROFILE = "mutation($i: UpdateMyProfileInput!) { updateMyProfile(input: $i) { user { id name email roles } } }"


async def users_rows(sessions, world) -> list[tuple]:
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        users = [tuple(r) for r in await s.execute(text("select * from app.users order by id"))]
        members = [tuple(r) for r in await s.execute(text("select * from app.memberships order by id"))]
    return users + members


async def users_by_id(sessions, world) -> dict:
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        return {r.id: dict(r._mapping) for r in await s.execute(text("select * from app.users"))}


async def test_every_signed_in_user_renames_itself_and_nothing_else(client, sessions, world):
    for persona in ("owner", "rep1", "sub_rep", "customer"):
        before = await users_by_id(sessions, world)
        me = world.people[persona]
        body = await gql(client, PROFILE, {"i": {"name": f"  {persona} renamed "}}, token=world.token(persona))
        assert body["data"]["updateMyProfile"]["user"] == {
            "id": to_global_id("User", me.user_id),
            "name": f"{persona} renamed",
            "email": before[me.user_id]["email"],
            "roles": list(me.roles),
        }
        viewer = await gql(client, "{ viewer { user { name } } }", token=world.token(persona))
        assert viewer["data"]["viewer"]["user"] == {"name": f"{persona} renamed"}
        after = await users_by_id(sessions, world)
        del before[me.user_id], after[me.user_id]
        assert after == before, persona
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        audit = await s.execute(
            text(
                "select actor_id, before->>'name', after->>'name' from app.audit_log where action = 'user.update_profile'"
            )
        )
        assert {tuple(r) for r in audit} >= {(world.people["customer"].user_id, "Buyer", "customer renamed")}


async def test_a_profile_is_a_name_only_and_keys_have_none(client, sessions, world):
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        key = await create_api_key(
            s, system, name="sync", audience="partner", roles=["partner_admin"], partner_id=world.partners["sub"]
        )
    before = await users_rows(sessions, world)
    owner = world.token("owner")
    for variables, token, code in (
        ({"i": {"name": "   "}}, owner, "BAD_USER_INPUT"),
        ({"i": {"name": None}}, owner, "BAD_USER_INPUT"),
        ({"i": {"name": "x" * 201}}, owner, "BAD_USER_INPUT"),
        ({"i": {"name": "Eve", "email": "eve@evil.example"}}, owner, "BAD_USER_INPUT"),  # no such field
        ({"i": {"name": "Eve", "roles": ["owner"]}}, world.token("rep1"), "BAD_USER_INPUT"),
        ({"i": {"name": "A key"}}, key.token, "FORBIDDEN"),  # an API key has no profile
        ({"i": {"name": "Anyone"}}, None, "UNAUTHENTICATED"),
    ):
        body = await gql(client, PROFILE, variables, token=token)
        assert codes(body) == [code], (variables, body)
    assert await users_rows(sessions, world) == before

    # A customer user may write its own user row and no other, by row policy.
    buyer = world.people["customer"]
    principal = Principal(
        Audience.CUSTOMER,
        user_id=buyer.user_id,
        tenant_id=world.tenant_id,
        roles=frozenset(buyer.roles),
        customer_id=world.customers["dist"],
    )
    async with tenant_session(sessions, principal) as s:
        others = await s.execute(text("update app.users set name = 'x' where id <> :me"), {"me": buyer.user_id})
        assert others.rowcount == 0
    assert await users_rows(sessions, world) == before

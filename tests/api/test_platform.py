"""Provisioning, suspension and reactivation through GraphQL; every other audience is refused."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from authz.principal import Principal
from tenants.database import tenant_session
from tests.client import codes, gql
from tests.conftest import token

pytestmark = pytest.mark.asyncio(loop_scope="session")

PROVISION = """
mutation($input: ProvisionTenantInput!) {
  provisionTenant(input: $input) { tenant { id slug name status plan } adminUserId invitationToken }
}"""
SUSPEND = "mutation($id: ID!) { suspendTenant(id: $id) { tenant { id status } } }"
REACTIVATE = "mutation($id: ID!) { reactivateTenant(id: $id) { tenant { id status } } }"
TENANTS = """query($first: Int, $after: String) {
  tenants(first: $first, after: $after) {
    totalCount edges { cursor node { slug status } } pageInfo { hasNextPage endCursor }
  }
}"""
ACCEPT = """mutation($t: String!, $k: String!, $p: String!) {
  acceptInvitation(tenant: $t, token: $k, password: $p) { token }
}"""
SIGN_IN = """mutation($t: String!, $e: String!, $p: String!) {
  signIn(tenant: $t, email: $e, password: $p) { token }
}"""
VIEWER = "{ viewer { audience roles permissions } }"


@pytest.fixture
async def platform_admin(sessions):
    admin_id = uuid.uuid4()
    async with tenant_session(sessions, Principal.platform(None)) as session:
        await session.execute(
            text("insert into platform.admins (id, email, name) values (:id, :email, 'Ops')"),
            {"id": admin_id, "email": f"ops-{admin_id.hex[:8]}@platform.example"},
        )
    return admin_id


async def tenant_rows(sessions) -> list[tuple]:
    async with tenant_session(sessions, Principal.platform(None), read_only=True) as session:
        return list(
            (await session.execute(text("select id, slug, status, updated_at from platform.tenants order by id"))).all()
        )


async def test_provision_suspend_reactivate(app, client, sessions, platform_admin):
    admin_token = token(app, None, platform_admin)
    slug = f"p-{uuid.uuid4().hex[:10]}"
    body = await gql(
        client,
        PROVISION,
        {
            "input": {
                "slug": slug,
                "name": "Initech",
                "adminEmail": "boss@initech.example",
                "adminName": "Bill",
            }
        },
        token=admin_token,
    )
    assert "errors" not in body, body
    provisioned = body["data"]["provisionTenant"]
    assert provisioned["tenant"]["slug"] == slug and provisioned["tenant"]["status"] == "ACTIVE"
    tenant_gid = provisioned["tenant"]["id"]

    # The first admin accepts the invitation, signs in, and is a vendor owner.
    password = "correct horse battery"
    accept = await gql(client, ACCEPT, {"t": slug, "k": provisioned["invitationToken"], "p": password})
    assert "errors" not in accept, accept
    owner_token = accept["data"]["acceptInvitation"]["token"]
    viewer = await gql(client, VIEWER, token=owner_token)
    assert viewer["data"]["viewer"]["audience"] == "VENDOR"
    assert viewer["data"]["viewer"]["roles"] == ["owner"]
    # The invitation is one-time.
    again = await gql(client, ACCEPT, {"t": slug, "k": provisioned["invitationToken"], "p": "another password"})
    assert codes(again) == ["UNAUTHENTICATED"]

    # Default pipeline was created in the same transaction.
    tenant_id = next(r.id for r in await tenant_rows(sessions) if r.slug == slug)
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as session:
        stages = (await session.execute(text("select name from app.pipeline_stages order by position"))).scalars().all()
    assert stages[0] == "Prospecting" and "Closed Won" in stages and "Closed Lost" in stages

    suspended = await gql(client, SUSPEND, {"id": tenant_gid}, token=admin_token)
    assert suspended["data"]["suspendTenant"]["tenant"]["status"] == "SUSPENDED"
    refused = await gql(client, VIEWER, token=owner_token)
    assert codes(refused) == ["FORBIDDEN"] and refused["_status"] == 403
    sign_in = await gql(client, SIGN_IN, {"t": slug, "e": "boss@initech.example", "p": password})
    assert codes(sign_in) == ["FORBIDDEN"]
    # Nothing was deleted: the data is still there.
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as session:
        assert (await session.execute(text("select count(*) from app.users"))).scalar() == 1

    reactivated = await gql(client, REACTIVATE, {"id": tenant_gid}, token=admin_token)
    assert reactivated["data"]["reactivateTenant"]["tenant"]["status"] == "ACTIVE"
    signed_in = await gql(client, SIGN_IN, {"t": slug, "e": "BOSS@initech.example", "p": password})
    assert signed_in["data"]["signIn"]["token"]
    wrong = await gql(client, SIGN_IN, {"t": slug, "e": "boss@initech.example", "p": "wrong password!"})
    assert codes(wrong) == ["UNAUTHENTICATED"]
    assert (await gql(client, VIEWER, token=owner_token))["data"]["viewer"]["roles"] == ["owner"]


async def test_duplicate_and_bad_slugs_change_nothing(app, client, sessions, platform_admin, new_tenant):
    admin_token = token(app, None, platform_admin)
    existing = await new_tenant()
    before = await tenant_rows(sessions)
    for slug, code in (
        (existing.slug, "CONFLICT"),
        ("Not A Slug!", "BAD_USER_INPUT"),
        ("-x", "BAD_USER_INPUT"),
    ):
        body = await gql(
            client,
            PROVISION,
            {"input": {"slug": slug, "name": "X", "adminEmail": "a@b.example", "adminName": "A"}},
            token=admin_token,
        )
        assert codes(body) == [code], body
    bad_email = await gql(
        client,
        PROVISION,
        {
            "input": {
                "slug": f"ok-{uuid.uuid4().hex[:8]}",
                "name": "X",
                "adminEmail": "not-an-email",
                "adminName": "A",
            }
        },
        token=admin_token,
    )
    assert codes(bad_email) == ["BAD_USER_INPUT"]
    assert await tenant_rows(sessions) == before


async def test_tenants_connection_paginates(app, client, platform_admin, new_tenant):
    admin_token = token(app, None, platform_admin)
    for _ in range(3):
        await new_tenant("page")
    first = await gql(client, TENANTS, {"first": 2}, token=admin_token)
    data = first["data"]["tenants"]
    assert len(data["edges"]) == 2 and data["pageInfo"]["hasNextPage"]
    assert data["totalCount"] >= 3
    seen = [e["node"]["slug"] for e in data["edges"]]
    after = data["pageInfo"]["endCursor"]
    while after:
        page = (await gql(client, TENANTS, {"first": 2, "after": after}, token=admin_token))["data"]["tenants"]
        seen += [e["node"]["slug"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert len(seen) == len(set(seen)) == data["totalCount"]


async def test_platform_operations_refused_to_everyone_else(app, client, sessions, new_tenant):
    tenant = await new_tenant()
    victim = await new_tenant()
    # Make the tenant's owner active so its token authenticates.
    async with tenant_session(sessions, Principal.system(tenant.id)) as session:
        await session.execute(text("update app.users set status = 'active'"))
    owner_token = token(app, tenant.id, tenant.admin_id)
    from schema.relay import to_global_id

    victim_gid = to_global_id("Tenant", victim.id)
    before = await tenant_rows(sessions)
    for who, tok in (("anonymous", None), ("vendor owner", owner_token)):
        expected = "UNAUTHENTICATED" if tok is None else "FORBIDDEN"
        for doc, variables in (
            (
                PROVISION,
                {
                    "input": {
                        "slug": f"x-{uuid.uuid4().hex[:8]}",
                        "name": "X",
                        "adminEmail": "a@b.example",
                        "adminName": "A",
                    }
                },
            ),
            (SUSPEND, {"id": victim_gid}),
            (REACTIVATE, {"id": victim_gid}),
            (TENANTS, {"first": 5}),
        ):
            body = await gql(client, doc, variables, token=tok)
            assert codes(body) == [expected], (who, doc, body)
    assert await tenant_rows(sessions) == before

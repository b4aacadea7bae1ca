"""Every kind of credential, good and bad, and what the edge answers."""

from __future__ import annotations

import datetime as dt
import uuid

import jwt
import pytest
from sqlalchemy import text

from authz.principal import Principal
from tenants.database import tenant_session
from tenants.identity.api_keys import create_api_key, revoke_api_key
from tests.client import codes, gql
from tests.conftest import JWT_SECRET, token

pytestmark = pytest.mark.asyncio(loop_scope="session")

VIEWER = "{ viewer { audience roles userId tenantId partnerId apiKey } }"


@pytest.fixture
async def tenant(sessions, new_tenant):
    created = await new_tenant("auth")
    async with tenant_session(sessions, Principal.system(created.id)) as session:
        await session.execute(text("update app.users set status = 'active'"))
    return created


def _mint(claims: dict, secret: str = JWT_SECRET) -> str:
    now = dt.datetime.now(dt.UTC)
    base = {"iss": "channelgraph", "kind": "tenant", "iat": now, "exp": now + dt.timedelta(minutes=5)}
    return jwt.encode(base | claims, secret, algorithm="HS256")


async def test_valid_jwt(app, client, tenant):
    body = await gql(client, VIEWER, token=token(app, tenant.id, tenant.admin_id))
    viewer = body["data"]["viewer"]
    assert viewer["audience"] == "VENDOR" and viewer["roles"] == ["owner"] and viewer["apiKey"] is False


async def test_no_credentials_is_anonymous(client):
    body = await gql(client, VIEWER)
    assert codes(body) == ["UNAUTHENTICATED"]
    assert body.get("data") is None


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong signature",
        "wrong tenant",
        "unknown user",
        "not a jwt",
        "no tenant claim",
        "alg none",
    ],
)
async def test_bad_jwts(client, tenant, new_tenant, case):
    other = await new_tenant("other")
    claims = {"sub": str(tenant.admin_id), "tid": str(tenant.id)}
    if case == "expired":
        now = dt.datetime.now(dt.UTC)
        tok = _mint(claims | {"iat": now - dt.timedelta(hours=2), "exp": now - dt.timedelta(hours=1)})
    elif case == "wrong signature":
        tok = _mint(claims, secret="not-the-secret-" + uuid.uuid4().hex)
    elif case == "wrong tenant":
        tok = _mint(claims | {"tid": str(other.id)})
    elif case == "unknown user":
        tok = _mint(claims | {"sub": str(uuid.uuid4())})
    elif case == "not a jwt":
        tok = "definitely.not.a-token"
    elif case == "no tenant claim":
        tok = _mint({"sub": str(tenant.admin_id)})
    else:
        tok = jwt.encode(claims | {"iss": "channelgraph", "kind": "tenant"}, None, algorithm="none")
    body = await gql(client, VIEWER, token=tok)
    assert codes(body) == ["UNAUTHENTICATED"], body
    assert body["_status"] == 401


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abc", "cg_abc"])
async def test_malformed_headers(client, header):
    body = await gql(client, VIEWER, authorization=header)
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_api_keys_and_revocation(client, sessions, tenant):
    system = Principal.system(tenant.id)
    async with tenant_session(sessions, system) as session:
        issued = await create_api_key(session, system, name="CRM sync", audience="vendor", roles=["sales_manager"])
    assert issued.token.startswith("cg_") and issued.key.prefix in issued.token
    body = await gql(client, VIEWER, token=issued.token)
    assert body["data"]["viewer"] == {
        "audience": "VENDOR",
        "roles": ["sales_manager"],
        "userId": None,
        "tenantId": body["data"]["viewer"]["tenantId"],
        "partnerId": None,
        "apiKey": True,
    }
    # The secret is stored only as a digest.
    async with tenant_session(sessions, system, read_only=True) as session:
        stored = (await session.execute(text("select secret_hash from app.api_keys"))).scalar()
    assert issued.token.split("_", 2)[2].encode() not in stored

    wrong_secret = issued.token[:-4] + ("AAAA" if not issued.token.endswith("AAAA") else "BBBB")
    assert codes(await gql(client, VIEWER, token=wrong_secret)) == ["UNAUTHENTICATED"]
    unknown = "cg_" + "a" * 16 + "_" + "x" * 43
    assert codes(await gql(client, VIEWER, token=unknown)) == ["UNAUTHENTICATED"]

    async with tenant_session(sessions, system) as session:
        await revoke_api_key(session, system, issued.key.id)
    assert codes(await gql(client, VIEWER, token=issued.token)) == ["UNAUTHENTICATED"]


async def test_revoked_membership_takes_effect_at_once(app, client, sessions, tenant):
    tok = token(app, tenant.id, tenant.admin_id)
    assert "errors" not in await gql(client, VIEWER, token=tok)
    async with tenant_session(sessions, Principal.system(tenant.id)) as session:
        await session.execute(text("update app.memberships set status = 'revoked'"))
    assert codes(await gql(client, VIEWER, token=tok)) == ["UNAUTHENTICATED"]


async def test_platform_token_for_unknown_admin(app, client):
    assert codes(await gql(client, VIEWER, token=token(app, None, uuid.uuid4()))) == ["UNAUTHENTICATED"]

"""RS256 tokens verified against a configured JWKS file (the option beside HS256)."""

from __future__ import annotations

import datetime as dt
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import text

from authz.principal import Principal
from gateway.tokens import TokenService
from tenants.database import tenant_session
from tenants.errors import Unauthenticated

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _key_pair(kid: str):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return private, public | {"kid": kid, "use": "sig", "alg": "RS256"}


def _token(private, kid: str, claims: dict) -> str:
    now = dt.datetime.now(dt.UTC)
    base = {"iss": "channelgraph", "kind": "tenant", "iat": now, "exp": now + dt.timedelta(minutes=5)}
    return jwt.encode(base | claims, private, algorithm="RS256", headers={"kid": kid})


async def test_rs256_tokens_from_a_jwks_file(tmp_path, sessions, new_tenant):
    private, public = _key_pair("k1")
    other, _ = _key_pair("k1")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [public]}))
    tokens = TokenService(secret=None, jwks=str(jwks))
    tenant = await new_tenant("rs")
    async with tenant_session(sessions, Principal.system(tenant.id)) as s:
        await s.execute(text("update app.users set status = 'active'"))
    claims = {"sub": str(tenant.admin_id), "tid": str(tenant.id)}
    verified = tokens.verify(_token(private, "k1", claims))
    assert verified.user_id == tenant.admin_id and verified.tenant_id == tenant.id
    for bad in (_token(other, "k1", claims), _token(private, "unknown-kid", claims)):
        with pytest.raises(Unauthenticated):
            tokens.verify(bad)
    # Without a secret, an HS256 token is refused outright (no algorithm confusion).
    with pytest.raises(Unauthenticated):
        tokens.verify(jwt.encode(claims | {"iss": "channelgraph", "kind": "tenant"}, "x" * 32, algorithm="HS256"))

"""Bearer JWTs: HS256 with a configured secret, or RS256 verified against a JWKS file or URL.

Claims: `iss`, `sub` (user or platform admin id), `tid` (tenant id; absent for platform admins),
`kind` (`tenant` or `platform`), `iat`, `exp`. Anything else about the caller is read from the database
on every request, so revoked access takes effect at once.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt

from tenants.errors import Unauthenticated


@dataclass(frozen=True)
class Claims:
    kind: str
    user_id: uuid.UUID
    tenant_id: uuid.UUID | None


class TokenService:
    def __init__(
        self,
        *,
        secret: str | None,
        jwks: str | None = None,
        issuer: str = "channelgraph",
        ttl_seconds: int = 3600,
    ) -> None:
        self.secret = secret
        self.issuer = issuer
        self.ttl = dt.timedelta(seconds=ttl_seconds)
        self._jwk_client: jwt.PyJWKClient | None = None
        self._jwk_set: jwt.PyJWKSet | None = None
        if jwks and jwks.startswith(("https://", "http://")):
            self._jwk_client = jwt.PyJWKClient(jwks, cache_keys=True)
        elif jwks:
            self._jwk_set = jwt.PyJWKSet.from_dict(json.loads(Path(jwks).read_text()))

    @property
    def can_mint(self) -> bool:
        return self.secret is not None

    def mint(self, tenant_id: uuid.UUID | None, user_id: uuid.UUID, *, ttl: dt.timedelta | None = None) -> str:
        """A token for a tenant user, or for a platform admin when `tenant_id` is None."""
        if self.secret is None:
            raise RuntimeError("no JWT secret configured (CHANNELGRAPH_JWT_SECRET)")
        now = dt.datetime.now(dt.UTC)
        claims = {
            "iss": self.issuer,
            "sub": str(user_id),
            "kind": "platform" if tenant_id is None else "tenant",
            "iat": now,
            "exp": now + (ttl or self.ttl),
        }
        if tenant_id is not None:
            claims["tid"] = str(tenant_id)
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def verify(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
            key, algorithm = self._key_for(header)
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "kind"]},
            )
            kind = claims["kind"]
            if kind not in ("tenant", "platform"):
                raise Unauthenticated("unknown token kind")
            tenant = uuid.UUID(claims["tid"]) if kind == "tenant" else None
            return Claims(kind=kind, user_id=uuid.UUID(claims["sub"]), tenant_id=tenant)
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            raise Unauthenticated("invalid token") from None

    def _key_for(self, header: dict) -> tuple[object, str]:
        algorithm = header.get("alg")
        if algorithm == "HS256" and self.secret is not None:
            return self.secret, "HS256"
        if algorithm == "RS256" and (self._jwk_client or self._jwk_set):
            kid = header.get("kid")
            if self._jwk_client is not None:
                return self._jwk_client.get_signing_key(kid).key, "RS256"
            for key in self._jwk_set.keys:
                if key.key_id == kid:
                    return key.key, "RS256"
        raise Unauthenticated("invalid token")

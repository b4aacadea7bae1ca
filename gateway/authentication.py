"""The one place that decides who the caller is: Authorization header -> Principal in `scope`.

`Bearer cg_...` is an API key, any other bearer value a JWT; no header is anonymous. Unknown, expired,
revoked or malformed credentials get UNAUTHENTICATED and nothing else; a suspended tenant's callers
FORBIDDEN. Checks are cached for a few seconds at most, so revocation takes effect at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from authz.principal import Principal
from gateway import http_requests
from gateway.tokens import TokenService
from tenants.errors import DomainError, Forbidden, Unauthenticated
from tenants.identity import authentication
from tenants.identity.credentials import API_KEY_PREFIX

log = logging.getLogger("channelgraph.auth")


class PrincipalCache:
    """Credential digest -> (Principal, expiry), bounded."""

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._items: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()

    def get(self, key: bytes) -> Principal | None:
        found = self._items.get(key)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def put(self, key: bytes, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        self._items[key] = (principal, time.monotonic() + self.ttl)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class Authenticator:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tokens: TokenService, cache_seconds: float) -> None:
        self.sessions = sessions
        self.tokens = tokens
        self.cache = PrincipalCache(cache_seconds)
        self._touches: set[asyncio.Task] = set()

    async def principal(self, authorization: str | None) -> Principal:
        if authorization is None:
            return Principal.anonymous()
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise Unauthenticated("expected 'Authorization: Bearer <token or API key>'")
        key = hashlib.sha256(credential.encode()).digest()
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        if credential.startswith(API_KEY_PREFIX):
            principal = await authentication.api_key_principal(self.sessions, credential)
            self._touch(principal)
        else:
            claims = self.tokens.verify(credential)
            if claims.kind == "platform":
                principal = await authentication.platform_principal(self.sessions, claims.user_id)
            else:
                principal = await authentication.member_principal(self.sessions, claims.tenant_id, claims.user_id)
        self.cache.put(key, principal)
        return principal

    def _touch(self, principal: Principal) -> None:
        """last_used_at, outside the request's transaction and off its path."""
        task = asyncio.create_task(
            authentication.touch_api_key(self.sessions, principal.tenant_id, principal.api_key_id)
        )
        self._touches.add(task)
        task.add_done_callback(self._touched)

    def _touched(self, task: asyncio.Task) -> None:
        self._touches.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not record API key use: %s", task.exception())


class AuthenticationMiddleware:
    """Pure ASGI: sets `scope["principal"]` for HTTP requests, or answers 401/403 itself."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = accept = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
            elif name == b"accept":
                accept = value.decode("latin-1")
        try:
            scope["principal"] = await self.authenticator.principal(header)
        except (Unauthenticated, Forbidden) as error:
            await _refuse(send, 401 if isinstance(error, Unauthenticated) else 403, error, accept)
            return
        except DomainError as error:
            await _refuse(send, 400, error, accept)
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, error: DomainError, accept: str | None) -> None:
    """Credentials that are wrong are refused before anything runs, whatever the request (docs/architecture.md,
    "GraphQL over HTTP": why this differs from no credentials at all)."""
    try:
        media = http_requests.negotiate(accept)
    except http_requests.Refused:
        media = http_requests.JSON
    body = orjson.dumps({"errors": [{"message": error.message, "extensions": {"code": error.code}}]})
    headers = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="channelgraph"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

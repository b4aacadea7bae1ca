"""Per-request context: the caller, its decisions, and the request's database access.

A query runs in one read-only transaction on one connection (one identity round, one snapshot for all
loaders). graphql-core resolves siblings concurrently, so reads are serialised by a lock. Each mutation
field runs in its own read-write transaction; after it commits, the read transaction and the loaders'
caches are dropped so the payload is read fresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.actions import Action
from authz.enforcer import Decisions
from authz.principal import Principal
from tenants.database import driver_transaction, tenant_session

log = logging.getLogger("channelgraph.requests")


class RequestDatabase:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], principal: Principal) -> None:
        self.sessions = sessions
        self.principal = principal
        self._lock = asyncio.Lock()
        self._stack: AsyncExitStack | None = None
        self._session: AsyncSession | None = None
        self.on_write: list[Callable[[], None]] = []

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._session is None:
                self._stack = AsyncExitStack()
                self._session = await self._stack.enter_async_context(
                    tenant_session(self.sessions, self.principal, read_only=True)
                )
            yield self._session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            await self._end_read()
            async with tenant_session(self.sessions, self.principal) as session:
                yield session
            for hook in self.on_write:
                hook()

    async def _end_read(self, error: BaseException | None = None) -> None:
        stack, self._stack, self._session = self._stack, None, None
        if stack is not None:
            if error is None:
                await stack.aclose()
            else:
                await stack.__aexit__(type(error), error, error.__traceback__)

    @asynccontextmanager
    async def driver_reading(self) -> AsyncIterator[Any]:
        """A read-only transaction of its own on the driver's connection (compiled reads)."""
        async with self._lock, driver_transaction(self.sessions.kw["bind"], self.principal) as driver:
            yield driver

    @asynccontextmanager
    async def driver_writing(self) -> AsyncIterator[Any]:
        """A read-write transaction of its own on the driver's connection (the lean write path): committed
        when the block ends, rolled back when it raises. The request's read transaction ends first."""
        async with self._lock:
            await self._end_read()
            async with driver_transaction(self.sessions.kw["bind"], self.principal, read_only=False) as driver:
                yield driver
            for hook in self.on_write:
                hook()

    async def close(self) -> None:
        async with self._lock:
            try:
                await self._end_read()
            except Exception:
                # A read cut short — graphql-core cancels sibling resolvers when a non-null root field
                # fails, possibly mid-statement — leaves nothing to keep: the transaction was read-only,
                # it is rolled back and its connection discarded by the pool.
                log.debug("read transaction ended by rollback", exc_info=True)


@dataclass(frozen=True)
class Services:
    """What the edge lends the GraphQL layer, narrowly."""

    sessions: async_sessionmaker[AsyncSession]
    mint_token: Callable[[Any, Any], str]  # (tenant id, user id) -> bearer token
    dev: bool = False
    allow_private_webhooks: bool = False
    # Rate limits of public operations: `admit(key)` says whether the caller behind `key` may go ahead.
    admit: Callable[[str], bool] = lambda key: True


@dataclass
class Context:
    principal: Principal
    decisions: Decisions
    db: RequestDatabase
    services: Services
    loaders: dict[str, Any] = field(default_factory=dict)
    client: str | None = None  # the client's address, for rate limits of public operations

    def allows(self, action: Action) -> bool:
        return self.decisions.allows(action)

    async def write(self, operation: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """Run one service operation as the caller in its own read-write transaction."""
        async with self.db.writing() as session:
            return await operation(session, self.principal, *args, **kwargs)

    def loader(self, key: str, factory: Callable[[Context], Any]) -> Any:
        found = self.loaders.get(key)
        if found is None:
            found = self.loaders[key] = factory(self)
        return found

    def __post_init__(self) -> None:
        self.db.on_write.append(self.loaders.clear)

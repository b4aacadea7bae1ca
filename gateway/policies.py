"""Authorization state of this process: the shared defaults, and tenants' own lines on demand."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.enforcer import Authorizer, Decisions
from authz.principal import Principal
from tenants.audit import policies
from tenants.database import tenant_session

log = logging.getLogger("channelgraph.policies")


class PolicyStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._authorizer: Authorizer | None = None
        self._lock = asyncio.Lock()

    async def load_defaults(self) -> Authorizer:
        async with self._lock:
            if self._authorizer is None:
                async with tenant_session(self.sessions, Principal.anonymous(), read_only=True) as session:
                    lines = await policies.default_lines(session)
                if not lines:
                    log.error("platform.policy_rules is empty: run `channelgraph migrate`; every action is refused")
                self._authorizer = Authorizer(lines)
            return self._authorizer

    async def decisions(self, principal: Principal) -> Decisions:
        authorizer = self._authorizer or await self.load_defaults()
        tenant_id = principal.tenant_id
        policy = authorizer.cached(tenant_id, principal.policy_version)
        if policy is None:
            async with tenant_session(self.sessions, Principal.system(tenant_id), read_only=True) as session:
                lines = await policies.tenant_lines(session)
            policy = authorizer.policy_for(tenant_id, principal.policy_version, lines)
        return Decisions(principal, policy)

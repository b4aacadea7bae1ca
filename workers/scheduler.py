"""Periodic jobs, run by exactly one process at a time (a PostgreSQL advisory lock), per tenant.

Each job takes a tenant's `system` session and the current time (tests pass their own clock) and returns
what must be enqueued after commit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from authz.principal import Principal
from tenants.database import create_engine, session_factory, tenant_session
from tenants.leads.assignment import return_overdue_leads
from tenants.registrations.expiry import expire_registrations
from tenants.webhooks import delivery
from workers import context
from workers.webhooks import send_webhook

log = logging.getLogger("channelgraph.workers.scheduler")
LOCK_KEY = "channelgraph.scheduler"

Job = Callable[[AsyncSession, dt.datetime], Awaitable[list[Callable[[], None]]]]


async def resend_stuck_webhooks(session: AsyncSession, now: dt.datetime) -> list[Callable[[], None]]:
    tenant_id = (await session.execute(text("select current_setting('app.tenant_id')"))).scalar()
    return [lambda d=d: send_webhook.send(tenant_id, str(d)) for d in await delivery.stuck(session, now)]


async def expire_protection(session: AsyncSession, now: dt.datetime) -> list[Callable[[], None]]:
    tenant_id = (await session.execute(text("select current_setting('app.tenant_id')"))).scalar()
    await expire_registrations(session, Principal.system(uuid.UUID(tenant_id)), now)
    return []


async def return_overdue(session: AsyncSession, now: dt.datetime) -> list[Callable[[], None]]:
    await return_overdue_leads(session, now)
    return []


JOBS: dict[str, Job] = {
    "resend_stuck_webhooks": resend_stuck_webhooks,
    "expire_registration_protection": expire_protection,
    "return_overdue_leads": return_overdue,
}


async def tick(engine: AsyncEngine, now: dt.datetime | None = None, jobs: dict[str, Job] = JOBS) -> bool:
    """Run every job for every active tenant, if no other process is doing it. True if this one did."""
    now = now or dt.datetime.now(dt.UTC)
    sessions = session_factory(engine)
    async with engine.connect() as lock:
        # A session-level lock on a connection held for the whole tick; released explicitly below.
        got = (await lock.execute(text("select pg_try_advisory_lock(hashtext(:k))"), {"k": LOCK_KEY})).scalar()
        await lock.commit()
        if not got:
            return False
        try:
            async with tenant_session(sessions, Principal.platform(None), read_only=True) as s:
                active = text("select id from platform.tenants where status = 'active'")
                tenants = list((await s.execute(active)).scalars())
            for tenant_id in tenants:
                for name, job in jobs.items():
                    try:
                        async with tenant_session(sessions, Principal.system(tenant_id)) as s:
                            after_commit = await job(s, now)
                        for action in after_commit:
                            action()
                    except Exception:
                        log.exception("job %s failed for tenant %s", name, tenant_id)
        finally:
            await lock.execute(text("select pg_advisory_unlock(hashtext(:k))"), {"k": LOCK_KEY})
            await lock.commit()
    return True


def run_forever(stop, *, interval_seconds: float = 30.0) -> None:
    """In a thread of its own, with an engine of its own (engines belong to one event loop)."""

    async def loop() -> None:
        engine = create_engine(context.settings().database_url, pool_size=2)
        try:
            while not stop.is_set():
                try:
                    await tick(engine)
                except Exception:
                    log.exception("scheduler tick failed")
                await asyncio.to_thread(stop.wait, interval_seconds)
        finally:
            await engine.dispose()

    asyncio.run(loop())

"""A broker outage loses nothing; the scheduler runs in one process at a time and resends lost messages."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from authz.principal import Principal
from tenants.database import create_engine, tenant_session
from tests.workers.conftest import broker_url
from tests.workers.proxy import Proxy
from tests.workers.receiver import Receiver
from tests.workers.scenario import hooked_tenant, unsent, wait_until, win_a_deal
from workers import scheduler

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_broker_down_while_mutations_continue(database, sessions, new_tenant, workers_for):
    real = urlsplit(broker_url("redis", database))
    proxy = Proxy(real.hostname, real.port)
    hook = Receiver()
    try:
        hooked = await hooked_tenant(sessions, new_tenant, hook.url)
        running = workers_for("redis")  # the worker consumes from the real broker
        relay = running.relay()
        from workers.broker import make_broker

        relay.broker = make_broker(
            f"redis://127.0.0.1:{proxy.port}{real.path or ''}"
        )  # the relay goes through the proxy
        proxy.cut()
        for i in range(3):  # requests keep working: they only write the outbox
            await win_a_deal(sessions, hooked, f"during outage {i}")
        with pytest.raises(Exception):  # noqa: B017 - any connection error from the broker client
            relay.run_once()
        assert await unsent(sessions, hooked.tenant_id) == 6
        proxy.restore()
        assert relay.drain() >= 6
        assert await unsent(sessions, hooked.tenant_id) == 0
        hook.wait_for(3)
        await asyncio.sleep(0.5)
        titles = sorted(json.loads(body)["data"].get("reason") or "" for _, body in hook.requests)
        assert len(hook.requests) == 3, titles
        relay.broker.close()
    finally:
        proxy.close()
        hook.stop()


async def test_scheduler_runs_in_one_process_and_resends_lost_deliveries(database, sessions, new_tenant, workers_for):
    hook = Receiver()
    try:
        hooked = await hooked_tenant(sessions, new_tenant, hook.url)
        await win_a_deal(sessions, hooked)
        # A crash after planning deliveries but before their messages were sent: the rows are pending.
        async with tenant_session(sessions, Principal.system(hooked.tenant_id)) as s:
            await s.execute(
                text(
                    "insert into app.webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, payload, created_at)"
                    " select tenant_id, gen_random_uuid(), :e, id, event_type, '{\"lost\": true}', now() - interval '5 minutes'"
                    " from app.outbox where event_type = 'deal.won'"
                ),
                {"e": hooked.endpoint_id},
            )
            await s.execute(text("update app.outbox set sent_at = now()"))
        running = workers_for("postgres")
        assert running  # the worker that will send what the scheduler enqueues
        engine_a, engine_b = create_engine(database.app_url, pool_size=2), create_engine(database.app_url, pool_size=2)
        try:
            # While another process holds the scheduler's lock, this one does nothing.
            async with engine_b.connect() as other:
                held = text("select pg_advisory_lock(hashtext(:k))")
                await other.execute(held, {"k": scheduler.LOCK_KEY})
                assert await scheduler.tick(engine_a) is False
                await asyncio.sleep(0.5)
                assert hook.requests == []
                await other.execute(text("select pg_advisory_unlock(hashtext(:k))"), {"k": scheduler.LOCK_KEY})
                await other.commit()
            assert await scheduler.tick(engine_a) is True
            hook.wait_for(1)
            await asyncio.sleep(0.5)
            assert len(hook.requests) == 1 and json.loads(hook.requests[0][1]) == {"lost": True}
            # Nothing is due any more: another tick sends nothing.
            later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
            assert await scheduler.tick(engine_a, later)
            await asyncio.sleep(0.5)
            assert len(hook.requests) == 1
        finally:
            await engine_a.dispose()
            await engine_b.dispose()
        done = await wait_until(lambda: _delivered(sessions, hooked.tenant_id))
        assert done
    finally:
        hook.stop()


async def _delivered(sessions, tenant_id):
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        return (await s.execute(text("select bool_and(status = 'delivered') from app.webhook_deliveries"))).scalar()

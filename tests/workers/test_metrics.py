"""Metrics of background work: the relay's backlog and throughput, webhook attempts by outcome."""

from __future__ import annotations

import psycopg
import pytest
from prometheus_client import REGISTRY

from tests.workers.receiver import Receiver
from tests.workers.scenario import hooked_tenant, unsent, wait_until, win_a_deal

pytestmark = pytest.mark.asyncio(loop_scope="session")


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_the_relay_and_the_webhook_sender_report_what_they_did(sessions, new_tenant, workers_for):
    hook = Receiver()
    try:
        hooked = await hooked_tenant(sessions, new_tenant, hook.url)
        running = workers_for("postgres")
        relay = running.relay()
        # What earlier tests left unsent is marked sent, not relayed: relayed, it would queue thousands of messages
        # ahead of every later test's on the database broker.
        with psycopg.connect(relay.url, autocommit=True) as conn:
            conn.execute("update app.outbox set sent_at = now() where sent_at is null")
        await win_a_deal(sessions, hooked, "measured")
        waiting = await unsent(sessions, hooked.tenant_id)
        assert waiting > 0
        relay.read_backlog_now()
        assert value("channelgraph_outbox_unsent") >= waiting
        assert value("channelgraph_outbox_lag_seconds") >= 0
        relayed, delivered = (
            value("channelgraph_outbox_relayed_total"),
            value("channelgraph_webhook_attempts_total", outcome="delivered"),
        )
        assert relay.drain() == waiting
        assert value("channelgraph_outbox_relayed_total") - relayed == waiting
        assert value("channelgraph_outbox_unsent") == 0  # an idle round reads the backlog again
        hook.wait_for(1)

        async def counted():
            return value("channelgraph_webhook_attempts_total", outcome="delivered") - delivered >= 1

        assert await wait_until(counted)
        assert value("channelgraph_webhook_attempt_seconds_count") >= 1
    finally:
        hook.stop()

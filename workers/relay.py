"""The outbox relay: committed events -> broker, then marked sent. At least once, never lost.

It connects as its own role, the only one whose policy reads the outbox across tenants. A crash between
sending and marking sends those events again; consumers dedupe by event id. If the broker is down, the
transaction rolls back and the events wait in the outbox until it returns. Events are claimed tenant by tenant,
which on Citus is one shard at a time (a row lock over every shard is refused there).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import dramatiq
import psycopg

from workers import metrics
from workers.events import handle_event

log = logging.getLogger("channelgraph.workers.relay")

# Claimed tenant by tenant: a row lock is taken by a statement on one tenant's rows, which on Citus is one shard
# (a `FOR UPDATE` over every shard is refused there). The tenants with the oldest waiting events go first.
PENDING = "select tenant_id from app.outbox where sent_at is null group by tenant_id order by min(created_at) limit %s"
CLAIM = (
    "select tenant_id, id from app.outbox where tenant_id = %s and sent_at is null"
    " order by created_at limit %s for update skip locked"
)
MARK = "update app.outbox set sent_at = now(), attempts = attempts + 1 where tenant_id = %s and id = %s"
BACKLOG = (
    "select count(*), coalesce(extract(epoch from now() - min(created_at)), 0) from app.outbox where sent_at is null"
)
BACKLOG_EVERY = 10.0  # seconds between two readings of the backlog for the metrics


class Relay:
    def __init__(
        self,
        url: str,
        broker: dramatiq.Broker,
        *,
        batch: int = 200,
        before_mark: Callable[[list[tuple]], None] | None = None,
    ) -> None:
        self.url = "postgresql://" + url.split("://", 1)[1]
        self.broker = broker
        self.batch = batch
        self.before_mark = before_mark  # for fault tests: runs after sending, before marking
        self.backlog_read_at = float("-inf")

    def run_once(self) -> int:
        """Relay one batch; returns how many events were sent."""
        with psycopg.connect(self.url, autocommit=False) as conn:
            with conn.transaction():
                rows: list[tuple] = []
                for (tenant_id,) in conn.execute(PENDING, (self.batch,)).fetchall():
                    rows += conn.execute(CLAIM, (tenant_id, self.batch - len(rows))).fetchall()
                    if len(rows) >= self.batch:
                        break
                for tenant_id, event_id in rows:
                    self.broker.enqueue(handle_event.message(str(tenant_id), str(event_id)))
                if rows and self.before_mark is not None:
                    self.before_mark(rows)
                for tenant_id, event_id in rows:
                    conn.execute(MARK, (tenant_id, event_id))
            metrics.RELAYED.inc(len(rows))
            if time.monotonic() - self.backlog_read_at >= BACKLOG_EVERY or not rows:
                self.read_backlog(conn)
        return len(rows)

    def read_backlog_now(self) -> None:
        with psycopg.connect(self.url, autocommit=False) as conn:
            self.read_backlog(conn)

    def read_backlog(self, conn: psycopg.Connection) -> None:
        """The outbox's depth and lag, for the metrics (at most every `BACKLOG_EVERY` seconds while busy)."""
        row = conn.execute(BACKLOG).fetchone()
        conn.commit()
        if row is not None:
            metrics.OUTBOX_UNSENT.set(row[0])
            metrics.OUTBOX_LAG.set(float(row[1]))
        self.backlog_read_at = time.monotonic()

    def drain(self) -> int:
        total = 0
        while sent := self.run_once():
            total += sent
        return total

    def run_forever(self, stop: threading.Event, *, idle_seconds: float = 0.5, max_backoff: float = 30.0) -> None:
        delay = idle_seconds
        while not stop.is_set():
            try:
                sent = self.run_once()
                delay = idle_seconds
            except Exception:  # broker or database unavailable: keep the events, try again later
                metrics.RELAY_FAILURES.inc()
                log.exception("relay failed; retrying in %.1f s", delay)
                sent = 0
                delay = min(max_backoff, delay * 2)
            if not sent:
                stop.wait(delay)

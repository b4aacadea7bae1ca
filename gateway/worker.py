"""`channelgraph worker`: Dramatiq workers, the outbox relay and the scheduler, in one process.

Run as many as you like: the relay claims outbox rows with SKIP LOCKED, and the scheduler's advisory lock
lets one process at a time run periodic jobs. SIGTERM or SIGINT stops it cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

import dramatiq

from gateway.runtime import open_runtime
from gateway.settings import Settings
from workers import scheduler
from workers.actors import QUEUE
from workers.context import WorkerSettings
from workers.relay import Relay
from workers.setup import configure

log = logging.getLogger("channelgraph.worker")


def run_worker(settings: Settings, *, threads: int = 4) -> int:
    runtime = asyncio.run(open_runtime(settings))
    try:
        if runtime.relay_url is None:
            log.error("set CHANNELGRAPH_RELAY_DATABASE_URL (the relay role's URL)")
            return 2
        broker = configure(
            settings.broker_url or runtime.app_url,
            WorkerSettings(runtime.app_url, allow_private_webhooks=settings.webhooks_allow_private),
        )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        worker = dramatiq.Worker(broker, worker_threads=threads, queues={QUEUE})
        worker.start()
        helpers = [
            threading.Thread(target=Relay(runtime.relay_url, broker).run_forever, args=(stop,), name="relay"),
            threading.Thread(target=scheduler.run_forever, args=(stop,), name="scheduler"),
        ]
        for thread in helpers:
            thread.start()
        log.info("worker running (%d threads), relay and scheduler started", threads)
        stop.wait()
        log.info("stopping")
        for thread in helpers:
            thread.join(timeout=30)
        worker.stop()
        broker.close()
        return 0
    finally:
        runtime.close()

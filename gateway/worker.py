"""Background work in a process: Dramatiq workers, the outbox relay and the scheduler.

`channelgraph worker` runs them on their own; `channelgraph serve` in development mode runs them inside
the server, so a newcomer's single command shows webhooks and imports working. Run as many workers as you
like: the relay claims outbox rows with SKIP LOCKED, and the scheduler's advisory lock lets one process at
a time run periodic jobs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

import dramatiq
import prometheus_client

from gateway.runtime import Runtime, open_runtime
from gateway.settings import Settings
from workers import scheduler
from workers.actors import QUEUE
from workers.context import WorkerSettings
from workers.relay import Relay
from workers.setup import configure

log = logging.getLogger("channelgraph.worker")


class BackgroundWork:
    def __init__(self, runtime: Runtime, *, threads: int = 4) -> None:
        if runtime.relay_url is None:
            raise ValueError("set CHANNELGRAPH_RELAY_DATABASE_URL (the relay role's URL)")
        settings = runtime.settings
        self.broker = configure(
            settings.broker_url or runtime.app_url,
            WorkerSettings(runtime.app_url, allow_private_webhooks=settings.webhooks_allow_private),
        )
        self.stop_event = threading.Event()
        self.worker = dramatiq.Worker(self.broker, worker_threads=threads, queues={QUEUE})
        self.threads = [
            threading.Thread(
                target=Relay(runtime.relay_url, self.broker).run_forever,
                args=(self.stop_event,),
                name="relay",
                daemon=True,
            ),
            threading.Thread(target=scheduler.run_forever, args=(self.stop_event,), name="scheduler", daemon=True),
        ]

    def start(self) -> None:
        self.worker.start()
        for thread in self.threads:
            thread.start()
        log.info("workers, relay and scheduler started")

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=30)
        self.worker.stop()
        self.broker.close()


def run_worker(settings: Settings, *, threads: int = 4) -> int:
    runtime = asyncio.run(open_runtime(settings))
    try:
        try:
            work = BackgroundWork(runtime, threads=threads)
        except ValueError as error:
            log.error("%s", error)
            return 2
        stop = threading.Event()
        if settings.worker_metrics_port is not None:
            prometheus_client.start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_address)
            log.info("metrics on %s:%s", settings.worker_metrics_address, settings.worker_metrics_port)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        work.start()
        stop.wait()
        log.info("stopping")
        work.stop()
        return 0
    finally:
        runtime.close()

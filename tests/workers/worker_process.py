"""A real worker process for the kill test: `python -m tests.workers.worker_process DATABASE_URL`.

Short heartbeats, so that the PostgreSQL broker notices a killed worker and requeues its messages in
seconds rather than a minute.
"""

from __future__ import annotations

import signal
import sys
import threading

import dramatiq

from workers.actors import QUEUE
from workers.context import WorkerSettings
from workers.setup import configure


def main(database_url: str) -> None:
    broker = configure(
        database_url,
        WorkerSettings(database_url, allow_private_webhooks=True, webhook_lease_seconds=2),
        heartbeat_interval=0.5,
        heartbeat_ttl=3,
        maintenance_interval=1,
    )
    worker = dramatiq.Worker(broker, worker_threads=1, queues={QUEUE}, worker_timeout=100)
    worker.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    worker.stop()


if __name__ == "__main__":
    main(sys.argv[1])

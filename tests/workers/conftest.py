"""Real brokers for worker tests: PostgreSQL always; Redis and RabbitMQ when reachable — and in CI
(CHANNELGRAPH_REQUIRE_BROKERS=1) a missing broker fails the run instead of skipping."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import dramatiq
import pytest

from gateway.database import url_for
from workers import context
from workers.context import WorkerSettings
from workers.relay import Relay
from workers.setup import configure

BROKERS = {
    "postgres": None,  # the test database itself
    "redis": os.environ.get("CHANNELGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "amqp": os.environ.get("CHANNELGRAPH_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
}


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return True
    except OSError:
        return False


def broker_url(kind: str, database) -> str:
    if kind == "postgres":
        return database.app_url
    url = BROKERS[kind]
    if not _reachable(url):
        if os.environ.get("CHANNELGRAPH_REQUIRE_BROKERS") == "1":
            pytest.fail(f"{kind} broker required but not reachable at {url}")
        pytest.skip(f"{kind} broker not reachable at {url}")
    return url


class Workers:
    """A broker, a running Dramatiq worker in this process, and the relay, for one test."""

    def __init__(self, url: str, database, **settings) -> None:
        self.broker = configure(url, WorkerSettings(database.app_url, allow_private_webhooks=True, **settings))
        if not url.startswith("postgresql"):
            self.broker.flush_all()  # shared brokers may hold an earlier run's messages
        self.relay_url = url_for(database.admin_url, database.roles.relay, database.name)
        self.worker = dramatiq.Worker(self.broker, worker_threads=2, worker_timeout=100)
        self.worker.start()

    def relay(self, **options) -> Relay:
        return Relay(self.relay_url, self.broker, **options)

    def stop(self) -> None:
        self.worker.stop()
        self.broker.close()
        context.configure(context.settings())  # forget the engine of the stopped event loop


@pytest.fixture
def workers_for(database):
    made: list[Workers] = []

    def start(kind: str = "postgres", **settings) -> Workers:
        running = Workers(broker_url(kind, database), database, **settings)
        made.append(running)
        return running

    yield start
    for running in made:
        running.stop()

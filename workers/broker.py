"""The Dramatiq broker, chosen by URL: postgres:// (the default, on the application's database), redis://, amqp://."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware.asyncio import AsyncIO

QUEUE_SCHEMA, QUEUE_PREFIX = "platform", "dramatiq_"


def make_broker(url: str, **options) -> dramatiq.Broker:
    """`options` go to the broker's constructor (e.g. the PostgreSQL broker's heartbeat settings)."""
    scheme = url.split("://", 1)[0].split("+", 1)[0]
    if scheme in ("postgres", "postgresql"):
        from dramatiq_postgres import PostgresBroker

        plain = "postgresql://" + url.split("://", 1)[1]
        broker: dramatiq.Broker = PostgresBroker(
            url=plain, schema=QUEUE_SCHEMA, prefix=QUEUE_PREFIX, results=False, **options
        )
    elif scheme in ("redis", "rediss"):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, **options)
    elif scheme in ("amqp", "amqps"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url, **options)
    else:
        raise ValueError(f"unsupported broker URL scheme {scheme!r}: use postgres://, redis:// or amqp://")
    broker.add_middleware(AsyncIO())
    return broker

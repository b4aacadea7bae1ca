"""Actor declarations. Actors are bound to the configured broker by `workers.setup.bind`; until then they
sit on a stub broker, so importing this module never connects anywhere."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker

PLACEHOLDER = StubBroker()
QUEUE = "channelgraph"


def actor(**options):
    """`dramatiq.actor` on the placeholder broker, with the project's defaults."""
    defaults = {"queue_name": QUEUE, "max_retries": 10, "min_backoff": 1000, "max_backoff": 300_000}
    return dramatiq.actor(broker=PLACEHOLDER, **(defaults | options))

"""Configuring a process to run actors or relay events: the broker, the database, the actors bound."""

from __future__ import annotations

import dramatiq

from workers import context
from workers.broker import make_broker
from workers.events import handle_event
from workers.transfers import export_entities, import_file
from workers.webhooks import send_webhook

ACTORS = (handle_event, send_webhook, import_file, export_entities)


def bind(broker: dramatiq.Broker) -> dramatiq.Broker:
    """Declare every actor on `broker` (and make it the global one)."""
    dramatiq.set_broker(broker)
    for actor in ACTORS:
        actor.broker = broker
        broker.declare_actor(actor)
    return broker


def configure(broker_url: str, settings: context.WorkerSettings, **broker_options) -> dramatiq.Broker:
    context.configure(settings)
    return bind(make_broker(broker_url, **broker_options))

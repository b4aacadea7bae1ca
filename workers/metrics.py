"""Metrics of background work, in the process's default registry: the server's `/metrics` shows them when the
workers run in its process (development mode), and `channelgraph worker` serves them on a port of their own
when `CHANNELGRAPH_WORKER_METRICS_PORT` is set (docs/architecture.md, "Observability")."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_UNSENT = Gauge(
    "channelgraph_outbox_unsent", "Committed events the relay has not yet handed to the broker (all tenants)."
)
OUTBOX_LAG = Gauge(
    "channelgraph_outbox_lag_seconds", "Age of the oldest event the relay has not yet handed to the broker."
)
RELAYED = Counter("channelgraph_outbox_relayed", "Events the relay handed to the broker.")
RELAY_FAILURES = Counter("channelgraph_outbox_relay_failures", "Relay rounds that failed (broker or database down).")
WEBHOOK_ATTEMPTS = Counter(
    "channelgraph_webhook_attempts",
    "Webhook delivery attempts by outcome: delivered (2xx), rejected (another status), failed (no answer), refused"
    " (an address the server may not call).",
    ("outcome",),
)
WEBHOOK_SECONDS = Histogram(
    "channelgraph_webhook_attempt_seconds",
    "Time a webhook attempt took, answered or not.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def webhook_outcome(status_code: int | None, refused: bool) -> str:
    if refused:
        return "refused"
    if status_code is None:
        return "failed"
    return "delivered" if 200 <= status_code < 300 else "rejected"

"""What an operator sees of a running server: a request id on every request and response, one structured log
line per request, and `/metrics` in the Prometheus text format.

The GraphQL endpoint tells this layer what it did through the request's scope (`note_operation`): the
operation's name, which read path answered, and the outcome (`ok` or the first error code). Names are the
client's words, so only well-formed ones up to `MAX_OPERATIONS` distinct names become label values; the rest
count as `other`. Logs never carry tokens, variables or a document: the request id, method, path, status,
duration, tenant, audience and operation.

Metrics of background work (the outbox relay, webhook deliveries: `workers/metrics.py`) live in the process's
default registry; `/metrics` shows them beside the server's when the workers run in the server's process, and
`channelgraph worker --metrics-port` serves them on their own.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
import time
import uuid
from collections.abc import Iterable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.logs import request_id

access_log = logging.getLogger("channelgraph.access")

REQUEST_ID_HEADER = b"x-request-id"
_CLIENT_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_OPERATIONS = 200
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


_FIRST_OPERATION = re.compile(r"\s*(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)")


def note_operation(scope: Scope, name: str | None, document: str, path: str, outcome: str) -> None:
    """Called by the GraphQL endpoint: what this request ran, on which read path, with what outcome. Without
    an `operationName`, the name is the document's first operation's (a document with several needs one)."""
    if name is None and (found := _FIRST_OPERATION.match(document)):
        name = found.group(1)
    scope["graphql"] = (name, path, outcome)


class Metrics:
    """The server's own metrics, in a registry per application (tests build many applications)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "channelgraph_graphql_requests",
            "GraphQL requests by operation name, read path and outcome (ok or the first error code).",
            ("operation", "path", "outcome"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "channelgraph_graphql_request_seconds",
            "Time from request to response of GraphQL requests, by operation name.",
            ("operation",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.http = Counter(
            "channelgraph_http_responses",
            "HTTP responses by route and status class.",
            ("route", "status"),
            registry=self.registry,
        )
        self.registry.register(PoolCollector(engine))
        self._names: set[str] = set()

    def operation_label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if not _OPERATION_NAME.fullmatch(name):
            return "other"
        if name not in self._names:
            if len(self._names) >= MAX_OPERATIONS:
                return "other"
            self._names.add(name)
        return name

    def exposition(self) -> bytes:
        """The server's metrics, then the process's (background work, process, garbage collector)."""
        return generate_latest(self.registry) + generate_latest(REGISTRY)


class PoolCollector(Collector):
    """The database pool as it is at scrape time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.pool: Any = engine.sync_engine.pool

    def collect(self) -> Iterable[Metric]:
        checked_out = GaugeMetricFamily(
            "channelgraph_db_pool_checked_out", "Database connections in use by requests right now."
        )
        checked_out.add_metric([], float(self.pool.checkedout()))
        size = GaugeMetricFamily("channelgraph_db_pool_size", "Database connections the pool keeps open.")
        size.add_metric([], float(self.pool.size()))
        overflow = GaugeMetricFamily(
            "channelgraph_db_pool_overflow", "Connections opened beyond the pool's size (negative: room left)."
        )
        overflow.add_metric([], float(self.pool.overflow()))
        return [checked_out, size, overflow]


class RequestObserver:
    """Pure ASGI, outermost: the request id, the access log line, the request metrics, and `/metrics` itself
    (before authentication: a scraper carries the metrics token, not a user's)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, token: str | None) -> None:
        self.app = app
        self.metrics = metrics
        self.exposition = metrics_endpoint(metrics, token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/metrics":
            response = await self.exposition(Request(scope, receive))
            await response(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER)
        rid = given.decode() if given and _CLIENT_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = dict(message)
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            request_id.reset(token)
            self._observe(scope, rid, status, elapsed)

    def _observe(self, scope: Scope, rid: str, status: int, elapsed: float) -> None:
        path: str = scope.get("path", "")
        route = _route(path)
        self.metrics.http.labels(route, f"{status // 100}xx").inc()
        line: dict[str, Any] = {
            "request_id": rid,
            "method": scope.get("method"),
            "route": route,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
        }
        principal = scope.get("principal")
        if principal is not None:
            line["audience"] = str(principal.audience)
            if principal.tenant_id is not None:
                line["tenant_id"] = str(principal.tenant_id)
        graphql = scope.get("graphql")
        if graphql is not None:
            name, read_path, outcome = graphql
            operation = self.metrics.operation_label(name)
            self.metrics.requests.labels(operation, read_path, outcome).inc()
            self.metrics.latency.labels(operation).observe(elapsed)
            line |= {"operation": operation, "read_path": read_path, "outcome": outcome}
        access_log.info("request", extra={"fields": line})


def _route(path: str) -> str:
    """The route, without ids: `/exports/<id>` -> `/exports/{job_id}` (label values stay few)."""
    for prefix, name in (("/exports/", "/exports/{job_id}"), ("/imports/", "/imports/{entity}")):
        if path.startswith(prefix):
            return name
    return path if path in ("/graphql", "/healthz", "/readyz", "/metrics") else "other"


def metrics_endpoint(metrics: Metrics, token: str | None):
    """`/metrics`: with a token configured, for bearers of it; without one, for loopback clients only."""

    async def endpoint(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return Response("metrics need the metrics token\n", status_code=401, media_type="text/plain")
        elif not _loopback(request.client.host if request.client else None):
            return Response("metrics are served to loopback clients only\n", status_code=403, media_type="text/plain")
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    return endpoint


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

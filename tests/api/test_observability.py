"""What an operator sees: `/metrics` in the Prometheus text format counting the requests made, a request id
on every response, and one structured log line per request without tokens or variables."""

from __future__ import annotations

import json
import logging
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.logs import JsonLines, request_id
from tests.client import gql
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def scrape(client: httpx.AsyncClient, **headers: str) -> dict[tuple[str, tuple], float]:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def requests(samples, operation: str, path: str, outcome: str) -> float:
    labels = (("operation", operation), ("outcome", outcome), ("path", path))
    return samples.get(("channelgraph_graphql_requests_total", labels), 0.0)


async def test_metrics_count_the_requests_made(client, world):
    name = f"Probe{uuid.uuid4().hex[:8]}"
    before = await scrape(client)
    for _ in range(3):
        body = await gql(client, f"query {name} {{ customers(first: 2) {{ totalCount }} }}", token=world.token("owner"))
        assert "errors" not in body, body
    refused = await gql(client, f"query {name} {{ customers(first: 2) {{ totalCount }} }}")  # no credentials
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    after = await scrape(client)
    served = sum(requests(after, name, p, "ok") - requests(before, name, p, "ok") for p in ("compiled", "resolver"))
    assert served == 3
    refusals = sum(
        requests(after, name, p, "UNAUTHENTICATED") - requests(before, name, p, "UNAUTHENTICATED")
        for p in ("compiled", "resolver")
    )
    assert refusals == 1
    latency = ("channelgraph_graphql_request_seconds_count", (("operation", name),))
    assert after[latency] - before.get(latency, 0.0) == 4
    for gauge in ("channelgraph_db_pool_checked_out", "channelgraph_db_pool_size", "channelgraph_db_pool_overflow"):
        assert (gauge, ()) in after, gauge


async def test_operation_names_cannot_grow_the_label_set(client, world):
    odd = "x" * 200
    await gql(client, f"query {odd} {{ viewer {{ id }} }}", token=world.token("owner"))
    samples = await scrape(client)
    assert not any(dict(labels).get("operation") == odd for _, labels in samples)


async def test_every_response_carries_a_request_id(client, world):
    response = await client.post("/graphql", json={"query": "{ viewer { id } }"})
    generated = response.headers["x-request-id"]
    assert len(generated) == 32
    given = await client.get("/healthz", headers={"x-request-id": "trace-42.a"})
    assert given.headers["x-request-id"] == "trace-42.a"
    forged = await client.get("/healthz", headers={"x-request-id": "bad id\r\nx: y"})
    assert forged.headers["x-request-id"] != "bad id\r\nx: y" and len(forged.headers["x-request-id"]) == 32


async def test_a_log_line_per_request_without_secrets(client, world, caplog):
    secret_value = f"S3cret-{uuid.uuid4().hex}"
    with caplog.at_level(logging.INFO, logger="channelgraph.access"):
        response = await client.post(
            "/graphql",
            json={
                "query": "query Look($s: String) { customers(first: 1, filter: {search: $s}) { totalCount } }",
                "variables": {"s": secret_value},
            },
            headers={"authorization": f"Bearer {world.token('owner')}", "x-request-id": "req-1"},
        )
    assert response.status_code == 200
    lines = [r for r in caplog.records if r.name == "channelgraph.access"]
    assert len(lines) == 1
    formatted = JsonLines().format(lines[0])
    line = json.loads(formatted)
    assert line["request_id"] == "req-1" and line["tenant_id"] == str(world.tenant_id)
    assert line["operation"] == "Look" and line["status"] == 200 and line["route"] == "/graphql"
    assert secret_value not in formatted and world.token("owner") not in formatted


async def test_json_lines_carry_the_request_id_of_the_request_being_served():
    token = request_id.set("abc")
    try:
        record = logging.LogRecord("channelgraph.x", logging.WARNING, __file__, 1, "hello %s", ("you",), None)
        line = json.loads(JsonLines().format(record))
    finally:
        request_id.reset(token)
    assert (line["message"], line["level"], line["request_id"]) == ("hello you", "warning", "abc")


async def test_metrics_are_for_loopback_or_the_token_bearer(database):
    from gateway.app import create_app

    for settings, headers, status in (
        (make_settings(), {}, 403),  # no token configured: loopback only, and this client is not loopback
        (make_settings(metrics_token="m-token"), {}, 401),
        (make_settings(metrics_token="m-token"), {"authorization": "Bearer wrong"}, 401),
        (make_settings(metrics_token="m-token"), {"authorization": "Bearer m-token"}, 200),
    ):
        application = create_app(settings, database.app_url)
        transport = httpx.ASGITransport(app=application, client=("203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get("/metrics", headers=headers)
        await application.state.engine.dispose()
        assert response.status_code == status, (settings.metrics_token, headers)
        assert ("channelgraph_graphql_requests" in response.text) == (status == 200)

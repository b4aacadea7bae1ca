"""Sending one webhook delivery: claim, POST with a signature, record the attempt, retry or give up."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import httpx

from authz.principal import Principal
from tenants.database import tenant_session
from tenants.errors import BadInput
from tenants.webhooks import delivery
from tenants.webhooks.addresses import check_url
from tenants.webhooks.signing import SIGNATURE_HEADER, sign
from workers import context, metrics
from workers.actors import actor

MAX_RESPONSE_BYTES = 64 * 1024


@actor(max_retries=3)
async def send_webhook(tenant_id: str, delivery_id: str) -> None:
    tenant = uuid.UUID(tenant_id)
    sessions = context.sessions()
    async with tenant_session(sessions, Principal.system(tenant)) as session:
        lease = dt.timedelta(seconds=context.settings().webhook_lease_seconds)
        claimed = await delivery.claim(session, uuid.UUID(delivery_id), lease)
    if claimed is None:
        return  # already delivered, dead, or another worker holds it right now
    attempt_id = uuid.uuid4()
    status_code, error, refused, started = None, None, False, time.monotonic()
    try:
        check_url(claimed.url, allow_private=context.settings().allow_private_webhooks)
        status_code = await _post(claimed, attempt_id)
    except BadInput as refusal:
        error, refused = refusal.message, True
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
    latency_ms = int((time.monotonic() - started) * 1000)
    metrics.WEBHOOK_ATTEMPTS.labels(metrics.webhook_outcome(status_code, refused=refused)).inc()
    metrics.WEBHOOK_SECONDS.observe(time.monotonic() - started)
    settings = context.settings()
    async with tenant_session(sessions, Principal.system(tenant)) as session:
        delay = await delivery.record_attempt(
            session,
            claimed,
            attempt_id,
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
            max_attempts=settings.webhook_max_attempts,
            base_delay=dt.timedelta(seconds=settings.webhook_base_delay_seconds),
        )
    if delay is not None:
        send_webhook.send_with_options(args=(tenant_id, delivery_id), delay=int(delay.total_seconds() * 1000))


async def _post(claimed: delivery.Claimed, attempt_id: uuid.UUID) -> int:
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": "ChannelGraph-Webhooks/1",
        SIGNATURE_HEADER: sign(claimed.secret, timestamp, claimed.body),
        "ChannelGraph-Event-Id": str(claimed.event_id),
        "ChannelGraph-Event-Type": claimed.event_type,
        "ChannelGraph-Delivery-Id": str(attempt_id),
    }
    timeout = httpx.Timeout(context.settings().webhook_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        async with client.stream("POST", claimed.url, content=claimed.body, headers=headers) as response:
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > MAX_RESPONSE_BYTES:
                    break  # the status is all we need; never read an unbounded body
            return response.status_code

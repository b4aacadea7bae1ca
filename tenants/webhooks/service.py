"""Managing webhook endpoints and reading deliveries (vendor admins).

Deleting an endpoint archives it (its deliveries stay readable): it gets no new deliveries, and those still
pending die at their next attempt (`delivery.claim`). Rotating the secret replaces it at once: every attempt
signs with the secret current when it is claimed, so nothing is signed with the old one after the rotation
commits (an attempt claimed before it may still be on the wire). Audit entries show secrets as a marker.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants import records
from tenants.audit.log import record
from tenants.errors import BadInput, Conflict, NotFound
from tenants.filters import Criterion, Listing
from tenants.outbox.events import EVENT_TYPES, INTERNAL_EVENTS, emit
from tenants.pagination import SortKey
from tenants.webhooks.addresses import check_url
from tenants.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tenants.webhooks.signing import new_secret

DELIVERY_ORDER = [
    SortKey(WebhookDelivery.created_at, descending=True, kind=dt.datetime),
    SortKey(WebhookDelivery.id, kind=uuid.UUID),
]
ATTEMPT_ORDER = [SortKey(WebhookAttempt.attempt, kind=int), SortKey(WebhookAttempt.id, kind=uuid.UUID)]
SUBSCRIBABLE = EVENT_TYPES - INTERNAL_EVENTS


def _event_types(types: list[str]) -> list[str]:
    unknown = sorted(set(types) - SUBSCRIBABLE - {"*"})
    if unknown or not types:
        raise BadInput(f"unknown event types: {', '.join(unknown) or '(none given)'}", field="eventTypes")
    return sorted(set(types))


async def create_endpoint(
    session: AsyncSession, principal: Principal, fields: dict[str, Any], *, allow_private: bool
) -> WebhookEndpoint:
    check_url(fields["url"], allow_private=allow_private)
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        url=fields["url"],
        event_types=_event_types(fields["event_types"]),
        description=fields.get("description"),
        secret=new_secret(),
    )
    return await records.create(session, principal, endpoint, action="webhook.create")


async def update_endpoint(
    session: AsyncSession,
    principal: Principal,
    endpoint_id: uuid.UUID,
    version: int,
    changes: dict[str, Any],
    *,
    allow_private: bool,
) -> WebhookEndpoint:
    for required in ("url", "event_types", "active"):
        if required in changes and changes[required] is None:
            raise BadInput(f"{required} cannot be cleared", field=required)
    if "url" in changes:
        check_url(changes["url"], allow_private=allow_private)
    if "event_types" in changes:
        changes["event_types"] = _event_types(changes["event_types"])
    endpoint = await _live(session, endpoint_id, version)
    return await records.change(session, principal, endpoint, changes, action="webhook.update")


async def _live(session: AsyncSession, endpoint_id: uuid.UUID, version: int | None) -> WebhookEndpoint:
    """The endpoint, locked; a deleted one is gone for every change (NOT_FOUND)."""
    endpoint = await records.lock_for_change(session, WebhookEndpoint, endpoint_id, version, label="webhook endpoint")
    if endpoint.archived_at is not None:
        raise NotFound("no such webhook endpoint")
    return endpoint


async def delete_endpoint(session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID) -> uuid.UUID:
    endpoint = await _live(session, endpoint_id, None)
    changes = {"archived_at": dt.datetime.now(dt.UTC), "active": False}
    await records.change(session, principal, endpoint, changes, action="webhook.delete")
    return endpoint.id


async def rotate_secret(session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """A new signing secret, returned once by the caller's payload; the old one signs nothing from now on."""
    endpoint = await _live(session, endpoint_id, None)
    return await records.change(session, principal, endpoint, {"secret": new_secret()}, action="webhook.rotate_secret")


DELIVERIES = Listing(
    WebhookDelivery,
    {
        "status": Criterion(lambda v: WebhookDelivery.status == v),
        "endpoint_id": Criterion(lambda v: WebhookDelivery.endpoint_id == v),
        "event_id": Criterion(lambda v: WebhookDelivery.event_id == v),
    },
    {"CREATED_AT": DELIVERY_ORDER},
)


async def replay_delivery(session: AsyncSession, principal: Principal, delivery_id: uuid.UUID) -> WebhookDelivery:
    """Send a dead (or delivered) delivery again. The request only records the wish; a worker sends it."""
    delivery = await records.load(session, WebhookDelivery, delivery_id, label="webhook delivery")
    if delivery.status == "pending":
        raise Conflict("this delivery is already on its way", field="id")
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, None
    await session.flush()
    emit(session, principal, "webhook.replay_requested", "WebhookDelivery", delivery.id, {})
    await record(session, principal, "webhook.replay", "WebhookDelivery", delivery.id)
    return delivery

"""A tenant with a customer, a deal and a webhook endpoint, and ways to make events happen."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import text

from authz.principal import Principal
from tenants.customers.service import create_customer
from tenants.database import tenant_session
from tenants.deals.service import close_deal, create_deal
from tenants.webhooks.service import create_endpoint


@dataclass
class Hooked:
    tenant_id: uuid.UUID
    endpoint_id: uuid.UUID
    secret: str
    customer_id: uuid.UUID


async def hooked_tenant(sessions, new_tenant, url: str, event_types=("deal.won",)) -> Hooked:
    tenant = await new_tenant("hook")
    system = Principal.system(tenant.id)
    async with tenant_session(sessions, system) as s:
        endpoint = await create_endpoint(s, system, {"url": url, "event_types": list(event_types)}, allow_private=True)
        customer = await create_customer(s, system, {"name": "Acme"})
    return Hooked(tenant.id, endpoint.id, endpoint.secret, customer.id)


async def win_a_deal(sessions, hooked: Hooked, title: str = "Big one") -> uuid.UUID:
    system = Principal.system(hooked.tenant_id)
    async with tenant_session(sessions, system) as s:
        deal = await create_deal(s, system, {"title": title, "customer_id": hooked.customer_id, "amount": 500})
    async with tenant_session(sessions, system) as s:
        await close_deal(s, system, deal.id, 1, won=True, reason=None)
    return deal.id


async def unsent(sessions, tenant_id: uuid.UUID) -> int:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        return (await s.execute(text("select count(*) from app.outbox where sent_at is null"))).scalar()


async def deliveries(sessions, tenant_id: uuid.UUID) -> list[tuple]:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        rows = await s.execute(text("select id, status, attempts from app.webhook_deliveries order by created_at"))
        return [tuple(r) for r in rows]


async def wait_until(check, within: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(interval)

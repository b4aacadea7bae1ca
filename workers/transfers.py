"""Import and export jobs: long-running, resumable, idempotent (they take job ids)."""

from __future__ import annotations

import uuid

from authz.principal import Audience, Principal
from tenants.transfers.exporting import run_export
from tenants.transfers.importing import run_import
from workers import context
from workers.actors import actor


@actor(time_limit=6 * 3600 * 1000, max_retries=5)
async def import_file(tenant_id: str, job_id: str) -> None:
    await run_import(context.sessions(), uuid.UUID(tenant_id), uuid.UUID(job_id))


@actor(time_limit=6 * 3600 * 1000, max_retries=5)
async def export_entities(tenant_id: str, job_id: str, requester: dict) -> None:
    def optional(key: str) -> uuid.UUID | None:
        return uuid.UUID(requester[key]) if requester.get(key) else None

    principal = Principal(
        Audience(requester["audience"]),
        user_id=optional("user_id"),
        tenant_id=uuid.UUID(tenant_id),
        roles=frozenset(requester.get("roles", [])),
        partner_id=optional("partner_id"),
        customer_id=optional("customer_id"),
    )
    await run_export(context.sessions(), principal, uuid.UUID(job_id))

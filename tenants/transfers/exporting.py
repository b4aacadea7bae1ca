"""Exporting an entity to CSV or JSON Lines, within the requester's scope, into staged chunks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.principal import Principal
from tenants.customers.models import Contact, Customer
from tenants.database import tenant_session
from tenants.deals.models import Deal
from tenants.outbox.events import emit
from tenants.partners.models import Partner
from tenants.transfers.models import TransferChunk, TransferJob

PAGE = 2000
FIELDS: dict[str, tuple[type[Customer | Partner | Contact | Deal], tuple[str, ...]]] = {
    "customers": (
        Customer,
        ("id", "name", "domain", "industry", "size", "lifecycle_stage", "partner_id", "created_at"),
    ),
    "partners": (Partner, ("id", "name", "domain", "kind", "status", "tier", "territory", "parent_id", "created_at")),
    "contacts": (Contact, ("id", "customer_id", "partner_id", "first_name", "last_name", "email", "phone", "title")),
    "deals": (
        Deal,
        (
            "id",
            "title",
            "customer_id",
            "partner_id",
            "source",
            "stage_id",
            "amount",
            "currency",
            "status",
            "expected_close_date",
            "closed_at",
            "created_at",
        ),
    ),
}


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | dt.date | dt.datetime):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    return str(value) if hasattr(value, "as_tuple") else value


def _encode(rows: list[dict[str, Any]], fmt: str, columns: tuple[str, ...], *, header: bool) -> bytes:
    if fmt == "jsonl":
        return b"".join(orjson.dumps(row) + b"\n" for row in rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def run_export(sessions: async_sessionmaker[AsyncSession], requester: Principal, job_id: uuid.UUID) -> None:
    """Read as the requester (their row scope), write the file as the tenant's `system`. Safe to run twice."""
    system = Principal.system(requester.require_tenant())
    async with tenant_session(sessions, system) as session:
        job = await session.get(TransferJob, (requester.tenant_id, job_id), with_for_update=True)
        if job is None or job.status == "finished":
            return
        job.status = "running"
        await session.execute(TransferChunk.__table__.delete().where(TransferChunk.job_id == job_id))
    model, columns = FIELDS[job.entity]
    after, seq, total = None, 0, 0
    while True:
        async with tenant_session(sessions, requester, read_only=True) as reader:
            stmt = select(*(getattr(model, c) for c in columns)).order_by(model.id).limit(PAGE)
            if hasattr(model, "archived_at"):
                stmt = stmt.where(model.archived_at.is_(None))
            if after is not None:
                stmt = stmt.where(model.id > after)
            rows = [dict(zip(columns, (_plain(v) for v in r), strict=True)) for r in await reader.execute(stmt)]
        if not rows and seq > 0:
            break
        async with tenant_session(sessions, system) as session:
            data = _encode(rows, job.format, columns, header=seq == 0)
            await session.execute(
                insert(TransferChunk.__table__).values(
                    tenant_id=system.tenant_id, id=uuid.uuid4(), job_id=job_id, seq=seq, data=data
                )
            )
        seq, total = seq + 1, total + len(rows)
        if len(rows) < PAGE:
            break
        after = uuid.UUID(rows[-1]["id"])
    async with tenant_session(sessions, system) as session:
        job = await session.get_one(TransferJob, (requester.tenant_id, job_id))
        job.status, job.processed_rows, job.finished_at = "finished", total, dt.datetime.now(dt.UTC)
        emit(session, system, "export.finished", "TransferJob", job_id, {"entity": job.entity, "rows": total})

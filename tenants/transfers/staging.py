"""Staging files in PostgreSQL, and reading them back as a stream, chunk by chunk."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants.audit.log import record, snapshot
from tenants.errors import BadInput
from tenants.outbox.events import emit
from tenants.transfers.models import ENTITIES, IMPORTABLE, TransferChunk, TransferJob

CHUNK = 1 << 20
MAX_UPLOAD = 200 << 20


async def stage_import(
    session: AsyncSession, principal: Principal, entity: str, filename: str, data: AsyncIterable[bytes]
) -> TransferJob:
    """Store an uploaded CSV and ask a worker to import it (through the outbox, in this transaction)."""
    if entity not in IMPORTABLE:
        raise BadInput(f"entity must be one of {', '.join(IMPORTABLE)}", field="entity")
    job = TransferJob(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        direction="import",
        entity=entity,
        filename=filename,
        created_by=principal.user_id,
        api_key_id=principal.api_key_id,
    )
    session.add(job)
    await session.flush()
    seq, size, buffer = 0, 0, bytearray()
    async for piece in data:
        buffer += piece
        size += len(piece)
        if size > MAX_UPLOAD:
            raise BadInput(f"files are at most {MAX_UPLOAD >> 20} MB", field="file")
        while len(buffer) >= CHUNK:
            await _store(session, principal, job.id, seq, bytes(buffer[:CHUNK]))
            del buffer[:CHUNK]
            seq += 1
    if buffer:
        await _store(session, principal, job.id, seq, bytes(buffer))
    if size == 0:
        raise BadInput("the file is empty", field="file")
    job.size_bytes = size
    await session.flush()
    emit(session, principal, "import.requested", "TransferJob", job.id, {"entity": entity})
    await record(session, principal, "import.stage", "TransferJob", job.id, after={"entity": entity, "bytes": size})
    return job


async def _store(session: AsyncSession, principal: Principal, job_id: uuid.UUID, seq: int, data: bytes) -> None:
    """A Core insert: chunks never sit in the session's identity map."""
    await session.execute(
        insert(TransferChunk.__table__).values(
            tenant_id=principal.tenant_id, id=uuid.uuid4(), job_id=job_id, seq=seq, data=data
        )
    )


async def request_export(session: AsyncSession, principal: Principal, entity: str, fmt: str) -> TransferJob:
    if entity not in ENTITIES:
        raise BadInput(f"entity must be one of {', '.join(ENTITIES)}", field="entity")
    if fmt not in ("csv", "jsonl"):
        raise BadInput("format is csv or jsonl", field="format")
    job = TransferJob(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        direction="export",
        entity=entity,
        format=fmt,
        created_by=principal.user_id,
        api_key_id=principal.api_key_id,
    )
    session.add(job)
    await session.flush()
    await record(session, principal, "export.request", "TransferJob", job.id, after=snapshot(job))
    # The export runs as the requester (their scope, their field masks), so the event names them.
    emit(
        session,
        principal,
        "export.requested",
        "TransferJob",
        job.id,
        {
            "audience": str(principal.audience),
            "roles": sorted(principal.roles),
            "partner_id": str(principal.partner_id) if principal.partner_id else None,
            "customer_id": str(principal.customer_id) if principal.customer_id else None,
        },
    )
    return job


async def chunks(session: AsyncSession, job_id: uuid.UUID, *, start: int = 0) -> AsyncIterator[bytes]:
    """The staged bytes in order, one chunk per query (memory stays at one chunk)."""
    seq = start
    while True:
        data = (
            await session.execute(
                select(TransferChunk.data).where(TransferChunk.job_id == job_id, TransferChunk.seq == seq)
            )
        ).scalar_one_or_none()
        if data is None:
            return
        yield data
        seq += 1

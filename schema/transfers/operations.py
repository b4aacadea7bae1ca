"""Transfer job queries and the export request."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from authz import actions
from schema.permissions import requires
from schema.relay import Node, from_global_id, to_global_id
from tenants.errors import NotFound
from tenants.transfers.models import ImportProblem as ProblemRow
from tenants.transfers.models import TransferJob as JobRow
from tenants.transfers.staging import request_export


@strawberry.enum
class ExportFormat(enum.Enum):
    CSV = "csv"
    JSONL = "jsonl"


@strawberry.type
class ImportProblem:
    line: int = strawberry.field(description="The CSV record number; the header is record 1.")
    message: str


@strawberry.type
class TransferJob(Node):
    direction: str
    entity: str
    format: str
    filename: str | None
    status: str = strawberry.field(description="staged, running, finished or failed")
    size_bytes: int
    processed_rows: int
    created_rows: int
    updated_rows: int
    unchanged_rows: int
    error_rows: int
    message: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    download_path: str | None = strawberry.field(description="GET it with the same credentials when finished.")
    _id: strawberry.Private[object]

    @classmethod
    def of(cls, row: JobRow) -> TransferJob:
        ready = row.direction == "export" and row.status == "finished"
        return cls(
            id=to_global_id("TransferJob", row.id),
            direction=row.direction,
            entity=row.entity,
            format=row.format,
            filename=row.filename,
            status=row.status,
            size_bytes=row.size_bytes,
            processed_rows=row.processed_rows,
            created_rows=row.created_rows,
            updated_rows=row.updated_rows,
            unchanged_rows=row.unchanged_rows,
            error_rows=row.error_rows,
            message=row.message,
            created_at=row.created_at,
            finished_at=row.finished_at,
            download_path=f"/exports/{row.id}" if ready else None,
            _id=row.id,
        )

    @strawberry.field(description="Rows that were not imported, with their record numbers and reasons.")
    async def problems(self, info: Info, first: int = 100, after_line: int = 0) -> list[ImportProblem]:
        async with info.context.db.reading() as session:
            rows = await session.execute(
                select(ProblemRow.line, ProblemRow.message)
                .where(ProblemRow.job_id == self._id, ProblemRow.line > after_line)
                .order_by(ProblemRow.line)
                .limit(min(max(first, 0), 1000))
            )
            return [ImportProblem(line=line, message=message) for line, message in rows]


@strawberry.type
class TransferQuery:
    @strawberry.field(permission_classes=[requires(actions.TRANSFER_READ)], description="An import or export job.")
    async def transfer_job(self, info: Info, id: strawberry.ID) -> TransferJob:
        _, job_id = from_global_id(id, "TransferJob")
        async with info.context.db.reading() as session:
            row = (await session.execute(select(JobRow).where(JobRow.id == job_id))).scalar_one_or_none()
        if row is None:
            raise NotFound("no such job")
        return TransferJob.of(row)

    @strawberry.field(permission_classes=[requires(actions.TRANSFER_READ)], description="Recent jobs, newest first.")
    async def transfer_jobs(self, info: Info, first: int = 20) -> list[TransferJob]:
        async with info.context.db.reading() as session:
            rows = await session.execute(select(JobRow).order_by(JobRow.created_at.desc()).limit(min(first, 100)))
            return [TransferJob.of(row) for row in rows.scalars()]


@strawberry.type
class TransferMutation:
    @strawberry.mutation(
        permission_classes=[requires(actions.TRANSFER_EXPORT)],
        description="Export customers, partners, contacts or deals within your scope; a worker writes the file.",
    )
    async def request_export(self, info: Info, entity: str, format: ExportFormat = ExportFormat.CSV) -> TransferJob:
        row = await info.context.write(request_export, entity, format.value)
        return TransferJob.of(row)

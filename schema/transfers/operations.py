"""Transfer job queries and the export request."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from authz import actions
from schema.arguments import limit
from schema.graph.entities import entity, enum, plain
from schema.graph.fields import column, computed
from schema.graph.readers import VENDOR
from schema.permissions import requires
from schema.relay import Node, from_global_id
from tenants.errors import NotFound
from tenants.transfers.models import FORMATS
from tenants.transfers.models import ImportProblem as ProblemRow
from tenants.transfers.models import TransferJob as JobRow
from tenants.transfers.staging import request_export

ExportFormat = enum("ExportFormat", FORMATS)


@plain(readers=VENDOR)
class ImportProblem:
    line: int = strawberry.field(description="The CSV record number; the header is record 1.")
    message: str


@entity(JobRow, readers=VENDOR, action=actions.TRANSFER_READ)
class TransferJob(Node):
    direction: str = column(VENDOR)
    entity: str = column(VENDOR)
    format: str = column(VENDOR)
    filename: str | None = column(VENDOR)
    status: str = column(VENDOR, description="staged, running, finished or failed")
    size_bytes: int = column(VENDOR)
    processed_rows: int = column(VENDOR)
    created_rows: int = column(VENDOR)
    updated_rows: int = column(VENDOR)
    unchanged_rows: int = column(VENDOR)
    error_rows: int = column(VENDOR)
    message: str | None = column(VENDOR)
    created_at: dt.datetime = column(VENDOR)
    finished_at: dt.datetime | None = column(VENDOR)

    @computed(VENDOR, description="GET it with the same credentials when finished.")
    def download_path(self) -> str | None:
        row = self._row
        return f"/exports/{row.id}" if row.direction == "export" and row.status == "finished" else None

    @computed(VENDOR, description="Rows that were not imported, with their record numbers and reasons.")
    async def problems(
        self, info: Info, first: Annotated[int, strawberry.argument(metadata=limit(1000))] = 100, after_line: int = 0
    ) -> list[ImportProblem]:
        async with info.context.db.reading() as session:
            rows = await session.execute(
                select(ProblemRow.line, ProblemRow.message)
                .where(ProblemRow.job_id == self._row.id, ProblemRow.line > after_line)
                .order_by(ProblemRow.line)
                .limit(first)  # bounded at the edge (schema/arguments.py)
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
            rows = await session.execute(select(JobRow).order_by(JobRow.created_at.desc()).limit(first))
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

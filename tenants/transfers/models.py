"""Import and export jobs, their staged bytes (in chunks), and per-row import problems."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, sql_list, utcnow_column

ENTITIES = ("customers", "partners", "contacts", "deals")
IMPORTABLE = ("customers", "partners", "contacts")
DIRECTIONS = ("import", "export")
STATUSES = ("staged", "running", "finished", "failed")
FORMATS = ("csv", "jsonl")


class TransferJob(TenantScoped, Base):
    """One import or export. Progress is committed batch by batch, so it can be watched and resumed."""

    __tablename__ = "transfer_jobs"
    __table_args__ = (
        CheckConstraint(f"direction in {sql_list(DIRECTIONS)}", name="direction"),
        CheckConstraint(f"status in {sql_list(STATUSES)}", name="status"),
        CheckConstraint(f"format in {sql_list(FORMATS)}", name="format"),
        {"schema": APP_SCHEMA},
    )

    direction: Mapped[str] = mapped_column(Text, nullable=False)
    entity: Mapped[str] = mapped_column(Text, nullable=False)
    format: Mapped[str] = mapped_column(Text, nullable=False, default="csv", server_default="csv")
    filename: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="staged", server_default="staged")
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    processed_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    created_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    updated_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    unchanged_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    error_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    message: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The API key that asked for the job, when a key did (created_by is then null): exports are the requester's.
    api_key_id: Mapped[str | None] = mapped_column(String(32))

    def requested_by(self, user_id: uuid.UUID | None, api_key_id: str | None) -> bool:
        """Whether this credential asked for the job: one rule for users and API keys."""
        return self.created_by == user_id and self.api_key_id == api_key_id

    created_at: Mapped[dt.datetime] = utcnow_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class TransferChunk(TenantScoped, Base):
    """A piece of a staged upload or of a finished export, in order."""

    __tablename__ = "transfer_chunks"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "job_id"], ["app.transfer_jobs.tenant_id", "app.transfer_jobs.id"]),
        UniqueConstraint("tenant_id", "job_id", "seq"),
        {"schema": APP_SCHEMA},
    )

    job_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class ImportProblem(TenantScoped, Base):
    __tablename__ = "import_problems"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "job_id"], ["app.transfer_jobs.tenant_id", "app.transfer_jobs.id"]),
        Index("ix_import_problems_tenant_id_job_id_line", "tenant_id", "job_id", "line"),
        {"schema": APP_SCHEMA},
    )

    job_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)

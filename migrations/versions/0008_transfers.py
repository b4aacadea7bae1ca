"""Bulk import and export: jobs, staged chunks (files live in PostgreSQL), per-row import problems.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.security import legacy_tenant_table as tenant_table

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT = sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid")


def _keys() -> list:
    return [
        sa.Column("tenant_id", sa.Uuid(), server_default=TENANT, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
    ]


def upgrade() -> None:
    counters = ["size_bytes", "processed_rows", "created_rows", "updated_rows", "unchanged_rows", "error_rows"]
    op.create_table(
        "transfer_jobs",
        *_keys(),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), server_default="csv", nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="staged", nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in counters),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("direction in ('import', 'export')", name=op.f("ck_transfer_jobs_direction")),
        sa.CheckConstraint(
            "status in ('staged', 'running', 'finished', 'failed')", name=op.f("ck_transfer_jobs_status")
        ),
        sa.CheckConstraint("format in ('csv', 'jsonl')", name=op.f("ck_transfer_jobs_format")),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_transfer_jobs_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_transfer_jobs")),
        schema="app",
    )
    op.create_table(
        "transfer_chunks",
        *_keys(),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_transfer_chunks_tenant_id")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["app.transfer_jobs.tenant_id", "app.transfer_jobs.id"],
            name=op.f("fk_transfer_chunks_tenant_id_job_id"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_transfer_chunks")),
        sa.UniqueConstraint("tenant_id", "job_id", "seq", name=op.f("uq_transfer_chunks_tenant_id_job_id_seq")),
        schema="app",
    )
    op.create_table(
        "import_problems",
        *_keys(),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_import_problems_tenant_id")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "job_id"],
            ["app.transfer_jobs.tenant_id", "app.transfer_jobs.id"],
            name=op.f("fk_import_problems_tenant_id_job_id"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_import_problems")),
        schema="app",
    )
    op.create_index(
        "ix_import_problems_tenant_id_job_id_line", "import_problems", ["tenant_id", "job_id", "line"], schema="app"
    )
    for table in ("transfer_jobs", "transfer_chunks", "import_problems"):
        tenant_table(table)


def downgrade() -> None:
    for table in ("import_problems", "transfer_chunks", "transfer_jobs"):
        op.drop_table(table, schema="app")

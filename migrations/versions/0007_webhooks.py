"""Webhooks (endpoints, deliveries, attempts), consumers' processed events, and the broker's tables.

The Dramatiq PostgreSQL broker keeps its queue in `platform` (prefix `dramatiq_`): it is above tenants.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 07:05:49.563907
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from dramatiq_postgres import generate_init_sql
from sqlalchemy.dialects import postgresql

from migrations.security import app_role, relay_role
from migrations.security import legacy_tenant_table as tenant_table

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_processed_events_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", "consumer", name=op.f("pk_processed_events")),
        schema="app",
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("event_types", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_webhook_endpoints_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_webhook_endpoints")),
        schema="app",
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status in ('pending', 'delivered', 'dead')", name=op.f("ck_webhook_deliveries_status")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "endpoint_id"],
            ["app.webhook_endpoints.tenant_id", "app.webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_tenant_id_endpoint_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_webhook_deliveries_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "tenant_id", "endpoint_id", "event_id", name=op.f("uq_webhook_deliveries_tenant_id_endpoint_id_event_id")
        ),
        schema="app",
    )
    op.create_index(
        "ix_webhook_deliveries_tenant_id_status",
        "webhook_deliveries",
        ["tenant_id", "status", "next_attempt_at"],
        unique=False,
        schema="app",
    )
    op.create_table(
        "webhook_attempts",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "delivery_id"],
            ["app.webhook_deliveries.tenant_id", "app.webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_tenant_id_delivery_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_webhook_attempts_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_webhook_attempts")),
        schema="app",
    )
    op.create_index(
        "ix_webhook_attempts_tenant_id_delivery_id",
        "webhook_attempts",
        ["tenant_id", "delivery_id"],
        unique=False,
        schema="app",
    )

    for table in ("webhook_endpoints", "webhook_deliveries", "webhook_attempts", "processed_events"):
        tenant_table(table)
    for statement in broker_statements():
        op.execute(statement)
    for role in (app_role(), relay_role()):
        for table in BROKER_TABLES:
            op.execute(f'grant select, insert, update, delete on platform.{table} to "{role}"')
        op.execute(f'grant usage on all sequences in schema platform to "{role}"')


BROKER_TABLES = ("dramatiq_queue", "dramatiq_worker", "dramatiq_result")


def broker_statements() -> list[str]:
    """dramatiq-postgres's own schema, in `platform`, one statement at a time."""
    sql = generate_init_sql(schema="platform", prefix="dramatiq_")
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    statements = [part.strip() for part in "\n".join(lines).split(";")]
    return [s for s in statements if s and not s.upper().startswith("CREATE SCHEMA")]


def downgrade() -> None:
    op.drop_index("ix_webhook_attempts_tenant_id_delivery_id", table_name="webhook_attempts", schema="app")
    op.drop_table("webhook_attempts", schema="app")
    op.drop_index("ix_webhook_deliveries_tenant_id_status", table_name="webhook_deliveries", schema="app")
    op.drop_table("webhook_deliveries", schema="app")
    op.drop_table("webhook_endpoints", schema="app")
    op.drop_table("processed_events", schema="app")
    for table in BROKER_TABLES:
        op.execute(f"drop table if exists platform.{table}")
    op.execute("drop type if exists platform.dramatiq_state")

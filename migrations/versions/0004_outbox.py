"""The transactional outbox, readable across tenants by the relay role only.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.security import LEGACY_AUDIENCE as AUDIENCE
from migrations.security import app_role, grant_dml, relay_role
from migrations.security import legacy_isolate as isolate

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_outbox_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_outbox")),
        schema="app",
    )
    op.create_index(
        "ix_outbox_tenant_id_unsent",
        "outbox",
        ["tenant_id", "created_at"],
        unique=False,
        schema="app",
        postgresql_where=sa.text("sent_at is null"),
    )
    isolate("outbox")
    app = app_role()
    # Requests of every audience record events; only `system` reads them back inside a tenant.
    op.execute(
        f'create policy audience_write on app.outbox as restrictive for insert to "{app}"'
        f" with check ({AUDIENCE} in ('vendor', 'system', 'partner', 'customer'))"
    )
    for name, command in (("audience_read", "select"), ("audience_change", "update")):
        op.execute(
            f'create policy {name} on app.outbox as restrictive for {command} to "{app}"'
            f" using ({AUDIENCE} = 'system')"
        )
    grant_dml("outbox", "select, insert, update")
    # The relay drains every tenant's events: its own role, on this table only.
    relay = relay_role()
    op.execute(f'create policy relay on app.outbox as permissive for all to "{relay}" using (true) with check (true)')
    op.execute(f'grant usage on schema app to "{relay}"')
    op.execute(f'grant select, update on app.outbox to "{relay}"')


def downgrade() -> None:
    op.drop_index("ix_outbox_tenant_id_unsent", table_name="outbox", schema="app")
    op.drop_table("outbox", schema="app")

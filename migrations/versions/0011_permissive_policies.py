"""Permissive row policies only, one per command: what Citus copies to its shards unchanged.

Citus 13.2 re-creates a table's policies on each shard it makes (distribution, rebalancing, tenant isolation)
and loses `AS RESTRICTIVE` on the way: the audience walls became permissive on the shards, so on a cluster a
tenant's `system` (its wall's arm is `true`) read every tenant's rows of the shard. Every `app` table's
policies are rebuilt by `migrations.security.guard`: per command, one permissive policy that is the tenant
equality AND the audience wall AND the command's own condition (the sales rep's ownership, the partner's
submit-only registrations, the audit log's and outbox's audiences). Same rows as before on one PostgreSQL.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.security import guard

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLACED = (
    "tenant_isolation",
    "audience_wall",
    "owner_only",
    "owner_only_delete",
    "partners_submit_only",
    "audience_read",
    "audience_write",
    "audience_change",
)


def upgrade() -> None:
    bind = op.get_bind()
    tables = bind.execute(
        sa.text(
            "select c.relname from pg_class c where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')"
            " order by 1"
        )
    ).scalars()
    for table in list(tables):
        for policy in REPLACED:
            op.execute(f"drop policy if exists {policy} on app.{table}")
        guard(table)


def downgrade() -> None:
    raise NotImplementedError("0011 rebuilt every policy; restore from a backup taken before it")

"""Sales reps may not delete what they may not update; partner names are indexed case-insensitively.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

from migrations.security import LEGACY_OWNER_ONLY as OWNER_ONLY

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("deals", "customers"):
        op.execute(f"create policy owner_only_delete on app.{table} as restrictive for delete using ({OWNER_ONLY})")
    op.execute("drop index app.ix_partners_tenant_id_lower_name")
    op.execute("create index ix_partners_tenant_id_lower_name on app.partners (tenant_id, lower(name))")


def downgrade() -> None:
    op.execute("drop index app.ix_partners_tenant_id_lower_name")
    op.execute("create index ix_partners_tenant_id_lower_name on app.partners (tenant_id, name)")
    for table in ("deals", "customers"):
        op.execute(f"drop policy owner_only_delete on app.{table}")

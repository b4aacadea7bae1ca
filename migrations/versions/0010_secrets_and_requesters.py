"""Audit entries written before secrets were redacted by declaration lose the webhook signing secrets they
carry; transfer jobs record the API key that asked for them (an export is its requester's, user or key).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCRUB = (
    "update app.audit_log set"
    " before = case when before ? 'secret' then jsonb_set(before, '{secret}', '\"[secret]\"') else before end,"
    " after = case when after ? 'secret' then jsonb_set(after, '{secret}', '\"[secret]\"') else after end"
    " where entity_type = 'WebhookEndpoint' and (before ? 'secret' or after ? 'secret')"
)


def upgrade() -> None:
    op.add_column("transfer_jobs", sa.Column("api_key_id", sa.String(32), nullable=True), schema="app")
    # The audit log is append-only for the runtime role; the owner rewrites it here, tenant by tenant (its row
    # policies apply to the owner too).
    bind = op.get_bind()
    for (tenant_id,) in bind.execute(sa.text("select id from platform.tenants")).all():
        bind.execute(
            sa.text("select app.set_identity(:t, 'system', null, null, null, 'system', null)"), {"t": tenant_id}
        )
        bind.execute(sa.text(SCRUB))
    bind.execute(sa.text("select app.set_identity(null, 'anonymous', null, null, null, null, null)"))


def downgrade() -> None:
    """Nothing to restore: the secrets are gone."""

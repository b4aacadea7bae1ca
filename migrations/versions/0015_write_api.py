"""The rest of the write API: activities get a version, a completion time and an archive time (deleting one
archives it, as every business record here is archived rather than removed), and remember the partner whose
user wrote them, so that a partner changes only its own activities (their update and delete policies say so); a
registration can
be withdrawn; a customer user may write its own user row (its profile), as vendors and partners already could.

Revision ID: 0015
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.security import ACTIVITY_CONDITIONS, drop_guard, guard

revision: str = "0015"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "('submitted', 'approved', 'rejected', 'expired', 'won', 'withdrawn')"
OLD_STATUSES = "('submitted', 'approved', 'rejected', 'expired', 'won')"
# Before 0015 there was no withdrawal: a withdrawn registration goes back as rejected, saying why.
UNWITHDRAW = (
    "update app.registrations set status = 'rejected', rejection_reason = 'withdrawn' where status = 'withdrawn'"
)
BACKFILL = (
    "update app.activities a set author_partner_id = m.partner_id from app.memberships m"
    " where m.tenant_id = a.tenant_id and m.user_id = a.author_id and m.audience = 'partner'"
)


def _each_tenant(statement: str) -> None:
    """Run `statement` as each tenant's system: the owner is under the row policies too."""
    bind = op.get_bind()
    for (tenant_id,) in bind.execute(sa.text("select id from platform.tenants")).all():
        bind.execute(
            sa.text("select app.set_identity(:t, 'system', null, null, null, 'system', null)"), {"t": tenant_id}
        )
        bind.execute(sa.text(statement))
    bind.execute(sa.text("select app.set_identity(null, 'anonymous', null, null, null, null, null)"))


def _statuses(statuses: str) -> None:
    name = "ck_registrations_ck_registrations_status"  # as 0005 named it under the naming convention
    op.execute(f"alter table app.registrations drop constraint {name}")
    op.execute(f"alter table app.registrations add constraint {name} check (status in {statuses})")


def upgrade() -> None:
    op.add_column("activities", sa.Column("version", sa.Integer(), server_default="1", nullable=False), schema="app")
    for name in ("archived_at", "completed_at"):
        op.add_column("activities", sa.Column(name, sa.DateTime(timezone=True), nullable=True), schema="app")
    op.add_column("activities", sa.Column("author_partner_id", sa.Uuid(), nullable=True), schema="app")
    op.create_foreign_key(
        "fk_activities_tenant_id_author_partner_id",
        "activities",
        "partners",
        ["tenant_id", "author_partner_id"],
        ["tenant_id", "id"],
        source_schema="app",
        referent_schema="app",
    )
    drop_guard("activities")
    guard("activities", ACTIVITY_CONDITIONS)
    # Existing activities: the partner of each author that is a partner user.
    _each_tenant(BACKFILL)

    _statuses(STATUSES)

    drop_guard("users")
    guard("users")  # WALLS["users"] now lets a customer user write its own row


def downgrade() -> None:
    """The users wall stays as WALLS declares it now (a customer user may write its own row)."""
    _each_tenant(UNWITHDRAW)
    _statuses(OLD_STATUSES)
    drop_guard("activities")
    guard("activities")
    op.drop_constraint("fk_activities_tenant_id_author_partner_id", "activities", schema="app", type_="foreignkey")
    for name in ("author_partner_id", "completed_at", "archived_at", "version"):
        op.drop_column("activities", name, schema="app")

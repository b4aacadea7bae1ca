"""Deal registration, its conflicts, channel attribution (deal_partners), matching keys on customers,
and the tenant's protection window.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.security import LEGACY_AUDIENCE as AUDIENCE
from migrations.security import LEGACY_PARTNER as PARTNER
from migrations.security import LEGACY_PARTNER_SCOPE as PARTNER_SCOPE
from migrations.security import legacy_tenant_table as tenant_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_DEFAULT = sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid")


def _keys(table: str) -> list[sa.Column]:
    return [
        sa.Column("tenant_id", sa.Uuid(), server_default=TENANT_DEFAULT, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
    ]


def _fk(table: str, columns: list[str], target: str) -> sa.ForeignKeyConstraint:
    name = f"fk_{table}_{'_'.join(columns)}"
    return sa.ForeignKeyConstraint(columns, [f"app.{target}.{c}" for c in ("tenant_id", "id")], name=name)


def _index(table: str, *columns: str, unique: bool = False, where: str | None = None, name: str | None = None):
    op.create_index(
        name or f"ix_{table}_{'_'.join(columns)}",
        table,
        list(columns),
        unique=unique,
        schema="app",
        postgresql_where=sa.text(where) if where else None,
    )


DEAL_PARTNERS_SYNC = """
create function app.deal_partners_sync() returns trigger language plpgsql as $$
begin
  insert into app.deal_partners (tenant_id, id, deal_id, partner_id, role)
  values (new.tenant_id, gen_random_uuid(), new.id, new.partner_id,
          case when new.source = 'partner_sourced' then 'sourced' else 'influenced' end)
  on conflict (tenant_id, deal_id, partner_id) do update set role = excluded.role
   where app.deal_partners.role is distinct from excluded.role;
  return null;
end $$"""


def upgrade() -> None:
    op.add_column(
        "tenants", sa.Column("protection_days", sa.Integer(), server_default="90", nullable=False), schema="platform"
    )
    op.create_check_constraint(
        "ck_tenants_protection_days", "tenants", "protection_days between 1 and 3650", schema="platform"
    )
    for column in ("domain_key", "name_key", "name_block"):
        op.add_column("customers", sa.Column(column, sa.Text(), nullable=True), schema="app")
        _index("customers", "tenant_id", column)

    op.create_table(
        "registrations",
        *_keys("registrations"),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("company_name", sa.Text(), nullable=False),
        sa.Column("company_domain", sa.Text(), nullable=True),
        sa.Column("name_key", sa.Text(), nullable=True),
        sa.Column("name_block", sa.Text(), nullable=True),
        sa.Column("domain_key", sa.Text(), nullable=True),
        sa.Column("contact_name", sa.Text(), nullable=True),
        sa.Column("contact_email", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.Text(), nullable=True),
        sa.Column("product", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("amount", sa.Numeric(18, 2), server_default="0", nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), server_default="submitted", nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("protection_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extensions", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("deal_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name="fk_registrations_tenant_id"),
        _fk("registrations", ["tenant_id", "partner_id"], "partners"),
        _fk("registrations", ["tenant_id", "submitted_by"], "users"),
        _fk("registrations", ["tenant_id", "decided_by"], "users"),
        _fk("registrations", ["tenant_id", "customer_id"], "customers"),
        _fk("registrations", ["tenant_id", "deal_id"], "deals"),
        sa.CheckConstraint(
            "status in ('submitted', 'approved', 'rejected', 'expired', 'won')", name="ck_registrations_status"
        ),
        sa.CheckConstraint("amount >= 0", name="ck_registrations_amount"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="ck_registrations_currency"),
        sa.CheckConstraint(
            "status <> 'approved' or protection_ends_at is not null", name="ck_registrations_approved_is_protected"
        ),
        sa.CheckConstraint(
            "status <> 'rejected' or rejection_reason is not null", name="ck_registrations_rejected_has_reason"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_registrations"),
        schema="app",
    )
    # The race's last word: at most one approved registration per registrable domain in a tenant.
    _index(
        "registrations",
        "tenant_id",
        "domain_key",
        unique=True,
        where="status = 'approved'",
        name="uq_registrations_tenant_id_domain_key_approved",
    )
    for columns in (("domain_key",), ("name_key",), ("name_block",), ("partner_id",), ("deal_id",)):
        _index("registrations", "tenant_id", *columns)
    _index("registrations", "tenant_id", "created_at", "id")
    _index("registrations", "tenant_id", "protection_ends_at", where="status = 'approved'")

    op.create_table(
        "registration_conflicts",
        *_keys("registration_conflicts"),
        sa.Column("registration_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("other_registration_id", sa.Uuid(), nullable=True),
        sa.Column("deal_id", sa.Uuid(), nullable=True),
        sa.Column("other_partner_id", sa.Uuid(), nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name="fk_registration_conflicts_tenant_id"),
        _fk("registration_conflicts", ["tenant_id", "registration_id"], "registrations"),
        _fk("registration_conflicts", ["tenant_id", "other_registration_id"], "registrations"),
        _fk("registration_conflicts", ["tenant_id", "deal_id"], "deals"),
        _fk("registration_conflicts", ["tenant_id", "other_partner_id"], "partners"),
        sa.CheckConstraint(
            "kind in ('partner_registration', 'partner_deal', 'direct_deal')", name="ck_registration_conflicts_kind"
        ),
        sa.CheckConstraint(
            "rule in ('domain', 'registrable_domain', 'name', 'similar_name')", name="ck_registration_conflicts_rule"
        ),
        sa.CheckConstraint("score between 0 and 100", name="ck_registration_conflicts_score"),
        sa.CheckConstraint(
            "(other_registration_id is null) <> (deal_id is null)", name="ck_registration_conflicts_one_subject"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_registration_conflicts"),
        schema="app",
    )
    _index("registration_conflicts", "tenant_id", "registration_id")
    _index("registration_conflicts", "tenant_id", "other_registration_id")

    op.create_table(
        "deal_partners",
        *_keys("deal_partners"),
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name="fk_deal_partners_tenant_id"),
        _fk("deal_partners", ["tenant_id", "deal_id"], "deals"),
        _fk("deal_partners", ["tenant_id", "partner_id"], "partners"),
        sa.UniqueConstraint("tenant_id", "deal_id", "partner_id", name="uq_deal_partners_tenant_id_deal_id_partner_id"),
        sa.CheckConstraint("role in ('sourced', 'influenced')", name="ck_deal_partners_role"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_deal_partners"),
        schema="app",
    )
    _index("deal_partners", "tenant_id", "partner_id")

    # Partners see and submit only their own registrations (not their sub-partners'), and never change
    # one after submitting; conflicts are vendor-only rows (partners get a redacted view).
    tenant_table(
        "registrations",
        partner=f"partner_id = {PARTNER}",
        partner_write=f"partner_id = {PARTNER} and status = 'submitted'",
    )
    op.execute(
        f"create policy partners_submit_only on app.registrations as restrictive for update"
        f" using ({AUDIENCE} <> 'partner')"
    )
    tenant_table("registration_conflicts")
    tenant_table("deal_partners", partner=f"partner_id = any({PARTNER_SCOPE})")
    op.execute(DEAL_PARTNERS_SYNC)
    op.execute(
        "create trigger deal_partners_sync after insert or update of partner_id, source on app.deals"
        " for each row when (new.partner_id is not null) execute function app.deal_partners_sync()"
    )


def downgrade() -> None:
    op.execute("drop trigger if exists deal_partners_sync on app.deals")
    op.execute("drop function if exists app.deal_partners_sync()")
    for table in ("deal_partners", "registration_conflicts", "registrations"):
        op.drop_table(table, schema="app")
    for column in ("domain_key", "name_key", "name_block"):
        op.drop_index(f"ix_customers_tenant_id_{column}", table_name="customers", schema="app")
        op.drop_column("customers", column, schema="app")
    op.drop_constraint("ck_tenants_protection_days", "tenants", schema="platform")
    op.drop_column("tenants", "protection_days", schema="platform")

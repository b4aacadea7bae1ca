"""Partner onboarding (applications, agreements, acceptances) and lead distribution (leads, their contact
details, assignments, tier rules), and the tenant's lead SLA and public application switch.

A lead's contact details live in their own table, readable by a partner only while that partner holds an
accepted assignment of the lead: the database, not a field mask, keeps them from a partner that has only
been offered the lead.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.security import LEGACY_PARTNER as PARTNER
from migrations.security import legacy_tenant_table as tenant_table

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_DEFAULT = sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid")
NOW = sa.text("now()")


def _keys() -> list[sa.Column]:
    return [
        sa.Column("tenant_id", sa.Uuid(), server_default=TENANT_DEFAULT, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
    ]


def _record_columns() -> list[sa.Column]:
    """Timestamps and optimistic concurrency, as tenants.base.Timestamps and Versioned."""
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _own(table: str) -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("tenant_id", "id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=f"fk_{table}_tenant_id"),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", column], [f"app.{target}.tenant_id", f"app.{target}.id"], name=f"fk_{table}_tenant_id_{column}"
    )


def _index(table: str, *columns: str, unique: bool = False, where: str | None = None, name: str | None = None):
    op.create_index(
        name or f"ix_{table}_{'_'.join(columns)}",
        table,
        list(columns),
        unique=unique,
        schema="app",
        postgresql_where=sa.text(where) if where else None,
    )


def upgrade() -> None:
    op.add_column(
        "tenants", sa.Column("lead_sla_hours", sa.Integer(), server_default="48", nullable=False), schema="platform"
    )
    op.create_check_constraint(
        "ck_tenants_lead_sla_hours", "tenants", "lead_sla_hours between 1 and 8760", schema="platform"
    )
    op.add_column(
        "tenants",
        sa.Column("public_applications", sa.Boolean(), server_default=sa.false(), nullable=False),
        schema="platform",
    )

    op.create_table(
        "partner_applications",
        *_keys(),
        sa.Column("company_name", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("territory", sa.Text(), nullable=True),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="applied", nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        *_record_columns(),
        *_own("partner_applications"),
        _fk("partner_applications", "submitted_by", "users"),
        _fk("partner_applications", "reviewed_by", "users"),
        _fk("partner_applications", "partner_id", "partners"),
        sa.CheckConstraint(
            "kind in ('reseller', 'distributor', 'referral', 'msp', 'si')", name="ck_partner_applications_kind"
        ),
        sa.CheckConstraint("origin in ('team', 'public')", name="ck_partner_applications_origin"),
        sa.CheckConstraint(
            "status in ('applied', 'in_review', 'approved', 'rejected')", name="ck_partner_applications_status"
        ),
        sa.CheckConstraint(
            "status <> 'rejected' or rejection_reason is not null", name="ck_partner_applications_rejected_has_reason"
        ),
        sa.CheckConstraint(
            "status <> 'approved' or partner_id is not null", name="ck_partner_applications_approved_has_partner"
        ),
        schema="app",
    )
    _index("partner_applications", "tenant_id", "status", "created_at", "id")
    _index("partner_applications", "tenant_id", "created_at", "id")
    _index("partner_applications", "tenant_id", "partner_id")
    # One pending application per company domain: a public form cannot be used to flood the review queue.
    _index(
        "partner_applications",
        "tenant_id",
        "domain",
        unique=True,
        where="status in ('applied', 'in_review')",
        name="uq_partner_applications_tenant_id_domain_pending",
    )

    op.create_table(
        "partner_agreements",
        *_keys(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_own("partner_agreements"),
        _fk("partner_agreements", "published_by", "users"),
        sa.UniqueConstraint("tenant_id", "version", name="uq_partner_agreements_tenant_id_version"),
        sa.CheckConstraint("version > 0", name="ck_partner_agreements_version"),
        schema="app",
    )
    op.create_table(
        "agreement_acceptances",
        *_keys(),
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        *_own("agreement_acceptances"),
        _fk("agreement_acceptances", "agreement_id", "partner_agreements"),
        _fk("agreement_acceptances", "partner_id", "partners"),
        _fk("agreement_acceptances", "user_id", "users"),
        sa.UniqueConstraint(
            "tenant_id", "partner_id", "agreement_id", name="uq_agreement_acceptances_tenant_id_partner_id_agreement_id"
        ),
        schema="app",
    )
    _index("agreement_acceptances", "tenant_id", "agreement_id")

    op.create_table(
        "lead_tier_rules",
        *_keys(),
        sa.Column("tier", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        *_own("lead_tier_rules"),
        sa.UniqueConstraint("tenant_id", "tier", name="uq_lead_tier_rules_tenant_id_tier"),
        sa.CheckConstraint("weight between 1 and 1000", name="ck_lead_tier_rules_weight"),
        sa.CheckConstraint("capacity between 0 and 100000", name="ck_lead_tier_rules_capacity"),
        schema="app",
    )

    op.create_table(
        "leads",
        *_keys(),
        sa.Column("company_name", sa.Text(), nullable=False),
        sa.Column("company_domain", sa.Text(), nullable=True),
        sa.Column("territory", sa.Text(), nullable=True),
        sa.Column("need", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="pool", nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("deal_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        *_record_columns(),
        *_own("leads"),
        _fk("leads", "partner_id", "partners"),
        _fk("leads", "customer_id", "customers"),
        _fk("leads", "contact_id", "contacts"),
        _fk("leads", "deal_id", "deals"),
        _fk("leads", "created_by", "users"),
        sa.CheckConstraint("status in ('pool', 'offered', 'converted')", name="ck_leads_status"),
        sa.CheckConstraint("(status = 'pool') = (partner_id is null)", name="ck_leads_pool_has_no_partner"),
        sa.CheckConstraint("status <> 'converted' or deal_id is not null", name="ck_leads_converted_has_deal"),
        schema="app",
    )
    _index("leads", "tenant_id", "partner_id")
    _index("leads", "tenant_id", "status", "created_at", "id")
    _index("leads", "tenant_id", "created_at", "id")

    op.create_table(
        "lead_contacts",
        *_keys(),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), server_default="", nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        *_own("lead_contacts"),
        _fk("lead_contacts", "lead_id", "leads"),
        sa.UniqueConstraint("tenant_id", "lead_id", name="uq_lead_contacts_tenant_id_lead_id"),
        schema="app",
    )

    op.create_table(
        "lead_assignments",
        *_keys(),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), server_default="offered", nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("assigned_by", sa.Uuid(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accept_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        *_own("lead_assignments"),
        _fk("lead_assignments", "lead_id", "leads"),
        _fk("lead_assignments", "partner_id", "partners"),
        _fk("lead_assignments", "assigned_by", "users"),
        sa.CheckConstraint(
            "status in ('offered', 'accepted', 'declined', 'expired', 'withdrawn')", name="ck_lead_assignments_status"
        ),
        sa.CheckConstraint("method in ('rule', 'manual')", name="ck_lead_assignments_method"),
        schema="app",
    )
    # At most one live assignment per lead: the database's last word if two distributions race.
    _index(
        "lead_assignments",
        "tenant_id",
        "lead_id",
        unique=True,
        where="status in ('offered', 'accepted')",
        name="uq_lead_assignments_tenant_id_lead_id_live",
    )
    _index("lead_assignments", "tenant_id", "lead_id")
    _index("lead_assignments", "tenant_id", "partner_id", "status")
    _index("lead_assignments", "tenant_id", "status", "accept_by")

    # Vendors and system see everything in their tenant; partners only what is theirs, and write nothing
    # here directly (their answers to an offer are applied in a `system` step after the service checked,
    # as the partner, that the offer is theirs).
    tenant_table("partner_applications")
    tenant_table("partner_agreements", partner="true", partner_write="false")
    tenant_table("agreement_acceptances", partner=f"partner_id = {PARTNER}")
    tenant_table("lead_tier_rules")
    tenant_table("leads", partner=f"partner_id = {PARTNER}", partner_write="false")
    tenant_table("lead_assignments", partner=f"partner_id = {PARTNER}", partner_write="false")
    accepted = (
        "lead_id in (select a.lead_id from app.lead_assignments a"
        f" where a.status = 'accepted' and a.partner_id = {PARTNER})"
    )
    tenant_table("lead_contacts", partner=accepted, partner_write="false")


def downgrade() -> None:
    for table in (
        "lead_assignments",
        "lead_contacts",
        "leads",
        "lead_tier_rules",
        "agreement_acceptances",
        "partner_agreements",
        "partner_applications",
    ):
        op.drop_table(table, schema="app")
    op.drop_constraint("ck_tenants_lead_sla_hours", "tenants", schema="platform")
    op.drop_column("tenants", "public_applications", schema="platform")
    op.drop_column("tenants", "lead_sla_hours", schema="platform")

"""Core store: platform tables, and the tenant tables of identity, partners, customers and deals.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 06:12:06.555045
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("create schema if not exists app")
    op.create_table(
        "admins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admins")),
        schema="platform",
    )
    op.create_index(
        "uq_admins_lower_email", "admins", [sa.literal_column("lower(email)")], unique=True, schema="platform"
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        schema="platform",
    )
    op.create_table(
        "policy_rules",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("ptype", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("dom", sa.Text(), nullable=False),
        sa.Column("obj", sa.Text(), nullable=False),
        sa.Column("act", sa.Text(), nullable=False),
        sa.Column("eft", sa.Text(), server_default="allow", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_rules")),
        schema="platform",
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("plan", sa.Text(), server_default="standard", nullable=False),
        sa.Column("time_zone", sa.Text(), server_default="UTC", nullable=False),
        sa.Column("fiscal_year_start_month", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("default_currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("policy_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name=op.f("ck_tenants_slug")),
        sa.CheckConstraint("status in ('active', 'suspended')", name=op.f("ck_tenants_status")),
        sa.CheckConstraint("fiscal_year_start_month between 1 and 12", name=op.f("ck_tenants_fiscal_year_start_month")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
        schema="platform",
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_audience", sa.Text(), nullable=False),
        sa.Column("api_key_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_audit_log_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_audit_log")),
        schema="app",
    )
    op.create_index("ix_audit_log_tenant_id_at", "audit_log", ["tenant_id", "at"], unique=False, schema="app")
    op.create_index(
        "ix_audit_log_tenant_id_entity_id",
        "audit_log",
        ["tenant_id", "entity_id"],
        unique=False,
        schema="app",
    )
    op.create_table(
        "partners",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="prospect", nullable=False),
        sa.Column("tier", sa.Text(), nullable=True),
        sa.Column("territory", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind in ('reseller', 'distributor', 'referral', 'msp', 'si')", name=op.f("ck_partners_kind")
        ),
        sa.CheckConstraint(
            "status in ('prospect', 'onboarding', 'active', 'suspended', 'terminated')",
            name=op.f("ck_partners_status"),
        ),
        sa.CheckConstraint("parent_id is distinct from id", name=op.f("ck_partners_not_own_parent")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "parent_id"],
            ["app.partners.tenant_id", "app.partners.id"],
            name=op.f("fk_partners_tenant_id_parent_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_partners_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_partners")),
        schema="app",
    )
    op.create_index("ix_partners_tenant_id_domain", "partners", ["tenant_id", "domain"], unique=False, schema="app")
    op.create_index("ix_partners_tenant_id_lower_name", "partners", ["tenant_id", "name"], unique=False, schema="app")
    op.create_index(
        "ix_partners_tenant_id_parent_id", "partners", ["tenant_id", "parent_id"], unique=False, schema="app"
    )
    op.create_table(
        "pipeline_stages",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("probability", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.CheckConstraint("kind in ('open', 'won', 'lost')", name=op.f("ck_pipeline_stages_kind")),
        sa.CheckConstraint("probability between 0 and 100", name=op.f("ck_pipeline_stages_probability")),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_pipeline_stages_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_pipeline_stages")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_pipeline_stages_tenant_id_name")),
        sa.UniqueConstraint(
            "tenant_id",
            "position",
            deferrable=True,
            initially="DEFERRED",
            name=op.f("uq_pipeline_stages_tenant_id_position"),
        ),
        schema="app",
    )
    op.create_table(
        "policy_rules",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("obj", sa.Text(), nullable=False),
        sa.Column("act", sa.Text(), nullable=False),
        sa.Column("eft", sa.Text(), server_default="allow", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_policy_rules_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_policy_rules")),
        schema="app",
    )
    op.create_table(
        "users",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="invited", nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('invited', 'active', 'deactivated')", name=op.f("ck_users_status")),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_users_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_users")),
        schema="app",
    )
    op.create_index(
        "uq_users_tenant_id_lower_email",
        "users",
        ["tenant_id", sa.literal_column("lower(email)")],
        unique=True,
        schema="app",
    )
    op.create_table(
        "api_key_index",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_api_key_index_tenant_id")),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_api_key_index")),
        schema="platform",
    )
    op.create_index(op.f("ix_api_key_index_tenant_id"), "api_key_index", ["tenant_id"], unique=False, schema="platform")
    op.create_table(
        "customers",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("size", sa.Text(), nullable=True),
        sa.Column("lifecycle_stage", sa.Text(), server_default="prospect", nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "lifecycle_stage in ('lead', 'prospect', 'customer', 'churned')",
            name=op.f("ck_customers_lifecycle_stage"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["app.users.tenant_id", "app.users.id"],
            name=op.f("fk_customers_tenant_id_owner_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["app.partners.tenant_id", "app.partners.id"],
            name=op.f("fk_customers_tenant_id_partner_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_customers_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customers")),
        schema="app",
    )
    op.create_index(
        "ix_customers_tenant_id_created_at_id",
        "customers",
        ["tenant_id", "created_at", "id"],
        unique=False,
        schema="app",
    )
    op.create_index("ix_customers_tenant_id_domain", "customers", ["tenant_id", "domain"], unique=False, schema="app")
    op.create_index(
        "ix_customers_tenant_id_owner_id", "customers", ["tenant_id", "owner_id"], unique=False, schema="app"
    )
    op.create_index(
        "ix_customers_tenant_id_partner_id",
        "customers",
        ["tenant_id", "partner_id"],
        unique=False,
        schema="app",
    )
    op.create_table(
        "invitations",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["app.users.tenant_id", "app.users.id"],
            name=op.f("fk_invitations_tenant_id_user_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_invitations_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("tenant_id", "token_hash", name=op.f("uq_invitations_tenant_id_token_hash")),
        schema="app",
    )
    op.create_index(
        "ix_invitations_tenant_id_user_id",
        "invitations",
        ["tenant_id", "user_id"],
        unique=False,
        schema="app",
    )
    op.create_table(
        "partner_ancestry",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("ancestor_id", sa.Uuid(), nullable=False),
        sa.Column("descendant_id", sa.Uuid(), nullable=False),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ancestor_id"],
            ["app.partners.tenant_id", "app.partners.id"],
            name=op.f("fk_partner_ancestry_tenant_id_ancestor_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "descendant_id"],
            ["app.partners.tenant_id", "app.partners.id"],
            name=op.f("fk_partner_ancestry_tenant_id_descendant_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_partner_ancestry_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "ancestor_id", "descendant_id", name=op.f("pk_partner_ancestry")),
        schema="app",
    )
    op.create_index(
        "ix_partner_ancestry_tenant_id_descendant_id",
        "partner_ancestry",
        ["tenant_id", "descendant_id"],
        unique=False,
        schema="app",
    )
    op.create_table(
        "api_keys",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("roles", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(audience = 'partner') = (partner_id is not null) and (audience = 'customer') = (customer_id is not null)",
            name=op.f("ck_api_keys_link"),
        ),
        sa.CheckConstraint("audience in ('vendor', 'partner', 'customer')", name=op.f("ck_api_keys_audience")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["app.customers.tenant_id", "app.customers.id"],
            name=op.f("fk_api_keys_tenant_id_customer_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["app.partners.tenant_id", "app.partners.id"],
            name=op.f("fk_api_keys_tenant_id_partner_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_api_keys_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("tenant_id", "key_id", name=op.f("uq_api_keys_tenant_id_key_id")),
        schema="app",
    )
    op.create_index(
        "ix_api_keys_tenant_id_partner_id",
        "api_keys",
        ["tenant_id", "partner_id"],
        unique=False,
        schema="app",
    )
    op.create_table(
        "contacts",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), server_default="", nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(customer_id is null) <> (partner_id is null)", name=op.f("ck_contacts_one_organisation")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["app.customers.tenant_id", "app.customers.id"],
            name=op.f("fk_contacts_tenant_id_customer_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["app.partners.tenant_id", "app.partners.id"],
            name=op.f("fk_contacts_tenant_id_partner_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_contacts_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_contacts")),
        schema="app",
    )
    op.create_index(
        "ix_contacts_tenant_id_customer_id",
        "contacts",
        ["tenant_id", "customer_id"],
        unique=False,
        schema="app",
    )
    op.create_index(
        "ix_contacts_tenant_id_partner_id",
        "contacts",
        ["tenant_id", "partner_id"],
        unique=False,
        schema="app",
    )
    op.create_index(
        "uq_contacts_tenant_id_customer_id_lower_email",
        "contacts",
        ["tenant_id", "customer_id", sa.literal_column("lower(email)")],
        unique=True,
        schema="app",
        postgresql_where=sa.text("customer_id is not null and archived_at is null"),
    )
    op.create_table(
        "deals",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.Text(), server_default="direct", nullable=False),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        sa.Column("probability", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(status = 'open') = (closed_at is null)", name=op.f("ck_deals_closed_at")),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_deals_currency")),
        sa.CheckConstraint(
            "source = 'direct' or partner_id is not null", name=op.f("ck_deals_partner_source_has_partner")
        ),
        sa.CheckConstraint(
            "source in ('direct', 'partner_sourced', 'partner_influenced')", name=op.f("ck_deals_source")
        ),
        sa.CheckConstraint("status in ('open', 'won', 'lost')", name=op.f("ck_deals_status")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_deals_amount")),
        sa.CheckConstraint("probability between 0 and 100", name=op.f("ck_deals_probability")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["app.customers.tenant_id", "app.customers.id"],
            name=op.f("fk_deals_tenant_id_customer_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["app.users.tenant_id", "app.users.id"],
            name=op.f("fk_deals_tenant_id_owner_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["app.partners.tenant_id", "app.partners.id"],
            name=op.f("fk_deals_tenant_id_partner_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "stage_id"],
            ["app.pipeline_stages.tenant_id", "app.pipeline_stages.id"],
            name=op.f("fk_deals_tenant_id_stage_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_deals_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_deals")),
        schema="app",
    )
    op.create_index(
        "ix_deals_tenant_id_created_at_id",
        "deals",
        ["tenant_id", "created_at", "id"],
        unique=False,
        schema="app",
    )
    op.create_index("ix_deals_tenant_id_customer_id", "deals", ["tenant_id", "customer_id"], unique=False, schema="app")
    op.create_index("ix_deals_tenant_id_owner_id", "deals", ["tenant_id", "owner_id"], unique=False, schema="app")
    op.create_index("ix_deals_tenant_id_partner_id", "deals", ["tenant_id", "partner_id"], unique=False, schema="app")
    op.create_index("ix_deals_tenant_id_stage_id", "deals", ["tenant_id", "stage_id"], unique=False, schema="app")
    op.create_table(
        "memberships",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("roles", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(audience = 'partner') = (partner_id is not null) and (audience = 'customer') = (customer_id is not null)",
            name=op.f("ck_memberships_link"),
        ),
        sa.CheckConstraint("audience in ('vendor', 'partner', 'customer')", name=op.f("ck_memberships_audience")),
        sa.CheckConstraint("status in ('active', 'revoked')", name=op.f("ck_memberships_status")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["app.customers.tenant_id", "app.customers.id"],
            name=op.f("fk_memberships_tenant_id_customer_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["app.partners.tenant_id", "app.partners.id"],
            name=op.f("fk_memberships_tenant_id_partner_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["app.users.tenant_id", "app.users.id"],
            name=op.f("fk_memberships_tenant_id_user_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_memberships_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("tenant_id", "user_id", name=op.f("uq_memberships_tenant_id_user_id")),
        schema="app",
    )
    op.create_index(
        "ix_memberships_tenant_id_partner_id",
        "memberships",
        ["tenant_id", "partner_id"],
        unique=False,
        schema="app",
    )
    op.create_table(
        "activities",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("deal_id", sa.Uuid(), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind in ('note', 'call', 'meeting', 'email', 'task')", name=op.f("ck_activities_kind")),
        sa.CheckConstraint(
            "num_nonnulls(customer_id, deal_id, partner_id) >= 1", name=op.f("ck_activities_has_subject")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "author_id"],
            ["app.users.tenant_id", "app.users.id"],
            name=op.f("fk_activities_tenant_id_author_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["app.customers.tenant_id", "app.customers.id"],
            name=op.f("fk_activities_tenant_id_customer_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "deal_id"],
            ["app.deals.tenant_id", "app.deals.id"],
            name=op.f("fk_activities_tenant_id_deal_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["app.partners.tenant_id", "app.partners.id"],
            name=op.f("fk_activities_tenant_id_partner_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_activities_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_activities")),
        schema="app",
    )
    op.create_index(
        "ix_activities_tenant_id_customer_id",
        "activities",
        ["tenant_id", "customer_id", "occurred_at"],
        unique=False,
        schema="app",
    )
    op.create_index(
        "ix_activities_tenant_id_deal_id",
        "activities",
        ["tenant_id", "deal_id", "occurred_at"],
        unique=False,
        schema="app",
    )
    op.create_index(
        "ix_activities_tenant_id_partner_id",
        "activities",
        ["tenant_id", "partner_id", "occurred_at"],
        unique=False,
        schema="app",
    )
    op.create_table(
        "deal_stage_history",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            server_default=sa.text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage_id", sa.Uuid(), nullable=True),
        sa.Column("to_stage_id", sa.Uuid(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "deal_id"],
            ["app.deals.tenant_id", "app.deals.id"],
            name=op.f("fk_deal_stage_history_tenant_id_deal_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "from_stage_id"],
            ["app.pipeline_stages.tenant_id", "app.pipeline_stages.id"],
            name=op.f("fk_deal_stage_history_tenant_id_from_stage_id"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "to_stage_id"],
            ["app.pipeline_stages.tenant_id", "app.pipeline_stages.id"],
            name=op.f("fk_deal_stage_history_tenant_id_to_stage_id"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"], name=op.f("fk_deal_stage_history_tenant_id")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_deal_stage_history")),
        schema="app",
    )
    op.create_index(
        "ix_deal_stage_history_tenant_id_deal_id",
        "deal_stage_history",
        ["tenant_id", "deal_id", "changed_at"],
        unique=False,
        schema="app",
    )


def downgrade() -> None:
    op.drop_index("ix_deal_stage_history_tenant_id_deal_id", table_name="deal_stage_history", schema="app")
    op.drop_table("deal_stage_history", schema="app")
    op.drop_index("ix_activities_tenant_id_partner_id", table_name="activities", schema="app")
    op.drop_index("ix_activities_tenant_id_deal_id", table_name="activities", schema="app")
    op.drop_index("ix_activities_tenant_id_customer_id", table_name="activities", schema="app")
    op.drop_table("activities", schema="app")
    op.drop_index("ix_memberships_tenant_id_partner_id", table_name="memberships", schema="app")
    op.drop_table("memberships", schema="app")
    op.drop_index("ix_deals_tenant_id_stage_id", table_name="deals", schema="app")
    op.drop_index("ix_deals_tenant_id_partner_id", table_name="deals", schema="app")
    op.drop_index("ix_deals_tenant_id_owner_id", table_name="deals", schema="app")
    op.drop_index("ix_deals_tenant_id_customer_id", table_name="deals", schema="app")
    op.drop_index("ix_deals_tenant_id_created_at_id", table_name="deals", schema="app")
    op.drop_table("deals", schema="app")
    op.drop_index(
        "uq_contacts_tenant_id_customer_id_lower_email",
        table_name="contacts",
        schema="app",
        postgresql_where=sa.text("customer_id is not null and archived_at is null"),
    )
    op.drop_index("ix_contacts_tenant_id_partner_id", table_name="contacts", schema="app")
    op.drop_index("ix_contacts_tenant_id_customer_id", table_name="contacts", schema="app")
    op.drop_table("contacts", schema="app")
    op.drop_index("ix_api_keys_tenant_id_partner_id", table_name="api_keys", schema="app")
    op.drop_table("api_keys", schema="app")
    op.drop_index("ix_partner_ancestry_tenant_id_descendant_id", table_name="partner_ancestry", schema="app")
    op.drop_table("partner_ancestry", schema="app")
    op.drop_index("ix_invitations_tenant_id_user_id", table_name="invitations", schema="app")
    op.drop_table("invitations", schema="app")
    op.drop_index("ix_customers_tenant_id_partner_id", table_name="customers", schema="app")
    op.drop_index("ix_customers_tenant_id_owner_id", table_name="customers", schema="app")
    op.drop_index("ix_customers_tenant_id_domain", table_name="customers", schema="app")
    op.drop_index("ix_customers_tenant_id_created_at_id", table_name="customers", schema="app")
    op.drop_table("customers", schema="app")
    op.drop_index(op.f("ix_api_key_index_tenant_id"), table_name="api_key_index", schema="platform")
    op.drop_table("api_key_index", schema="platform")
    op.drop_index("uq_users_tenant_id_lower_email", table_name="users", schema="app")
    op.drop_table("users", schema="app")
    op.drop_table("policy_rules", schema="app")
    op.drop_table("pipeline_stages", schema="app")
    op.drop_index("ix_partners_tenant_id_parent_id", table_name="partners", schema="app")
    op.drop_index("ix_partners_tenant_id_lower_name", table_name="partners", schema="app")
    op.drop_index("ix_partners_tenant_id_domain", table_name="partners", schema="app")
    op.drop_table("partners", schema="app")
    op.drop_index("ix_audit_log_tenant_id_entity_id", table_name="audit_log", schema="app")
    op.drop_index("ix_audit_log_tenant_id_at", table_name="audit_log", schema="app")
    op.drop_table("audit_log", schema="app")
    op.drop_table("tenants", schema="platform")
    op.drop_table("policy_rules", schema="platform")
    op.drop_table("audit_log", schema="platform")
    op.drop_index("uq_admins_lower_email", table_name="admins", schema="platform")
    op.drop_table("admins", schema="platform")
    op.execute("drop schema if exists app")

"""Row security and grants: tenant isolation and audience walls on every `app` table, narrow platform access.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

from migrations.security import LEGACY_API_KEY as API_KEY
from migrations.security import LEGACY_AUDIENCE as AUDIENCE
from migrations.security import LEGACY_CUSTOMER as CUSTOMER
from migrations.security import LEGACY_OWNER_ONLY as OWNER_ONLY
from migrations.security import LEGACY_PARTNER as PARTNER
from migrations.security import LEGACY_PARTNER_SCOPE as PARTNER_SCOPE
from migrations.security import LEGACY_TENANT as TENANT
from migrations.security import LEGACY_USER as USER
from migrations.security import app_role, grant_dml, relay_role
from migrations.security import legacy_isolate as isolate
from migrations.security import legacy_tenant_table as tenant_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = [
    """create function app.current_audience() returns text language sql stable parallel safe
    as $$ select coalesce(current_setting('app.audience', true), '') $$""",
    """create function app.current_user_id() returns uuid language sql stable parallel safe
    as $$ select nullif(current_setting('app.user_id', true), '')::uuid $$""",
    """create function app.current_partner_id() returns uuid language sql stable parallel safe
    as $$ select nullif(current_setting('app.partner_id', true), '')::uuid $$""",
    """create function app.current_customer_id() returns uuid language sql stable parallel safe
    as $$ select nullif(current_setting('app.customer_id', true), '')::uuid $$""",
    # The caller's partner and its sub-partners at any depth. Runs as the invoker, so partner_ancestry's
    # own policies apply; used as `(select app.partner_scope())`, it is evaluated once per statement.
    """create function app.partner_scope() returns uuid[] language sql stable parallel safe
    as $$ select coalesce(array_agg(descendant_id), '{}') from app.partner_ancestry
          where tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
            and ancestor_id = nullif(current_setting('app.partner_id', true), '')::uuid $$""",
    # Keeps the closure table in step with partners.parent_id, and refuses cycles.
    """create function app.partner_ancestry_sync() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into app.partner_ancestry (tenant_id, ancestor_id, descendant_id, depth)
        select new.tenant_id, new.id, new.id, 0
        union all
        select a.tenant_id, a.ancestor_id, new.id, a.depth + 1 from app.partner_ancestry a
         where a.tenant_id = new.tenant_id and a.descendant_id = new.parent_id;
      elsif new.parent_id is distinct from old.parent_id then
        if new.parent_id is not null and exists (
            select 1 from app.partner_ancestry
             where tenant_id = new.tenant_id and ancestor_id = new.id and descendant_id = new.parent_id) then
          raise exception 'a partner cannot be placed under its own sub-partner' using errcode = '23514';
        end if;
        delete from app.partner_ancestry d
         where d.tenant_id = new.tenant_id
           and d.descendant_id in (select descendant_id from app.partner_ancestry
                                    where tenant_id = new.tenant_id and ancestor_id = new.id)
           and d.ancestor_id not in (select descendant_id from app.partner_ancestry
                                      where tenant_id = new.tenant_id and ancestor_id = new.id);
        insert into app.partner_ancestry (tenant_id, ancestor_id, descendant_id, depth)
        select new.tenant_id, p.ancestor_id, s.descendant_id, p.depth + s.depth + 1
          from app.partner_ancestry p join app.partner_ancestry s
            on s.tenant_id = p.tenant_id and s.ancestor_id = new.id
         where p.tenant_id = new.tenant_id and p.descendant_id = new.parent_id;
      end if;
      return null;
    end $$""",
    """create trigger partner_ancestry_sync after insert or update of parent_id on app.partners
    for each row execute function app.partner_ancestry_sync()""",
    # Sign-in names the tenant by slug before any tenant is set: the only pre-tenant read of tenants.
    """create function platform.tenant_for_slug(p_slug text, out id uuid, out status text)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$ select t.id, t.status from platform.tenants t where t.slug = lower(p_slug) $$""",
]


def upgrade() -> None:
    app, relay = app_role(), relay_role()
    for statement in FUNCTIONS:
        op.execute(statement)
    op.execute("revoke all on function platform.tenant_for_slug(text) from public")
    op.execute(f'grant usage on schema app, platform to "{app}"')
    op.execute(f'grant usage on schema platform to "{relay}"')
    op.execute(f'grant execute on function platform.tenant_for_slug(text) to "{app}"')

    in_scope = f"partner_id = any({PARTNER_SCOPE})"
    scope_users = f"select user_id from app.memberships where {in_scope}"
    tenant_table(
        "users", partner=f"id = {USER} or id in ({scope_users})", customer=f"id = {USER}", authn=f"id = {USER}"
    )
    tenant_table("memberships", partner=in_scope, customer=f"user_id = {USER}", authn=f"user_id = {USER}")
    tenant_table("invitations", partner=f"user_id in ({scope_users})")
    tenant_table("api_keys", partner=in_scope, authn=f"key_id = {API_KEY}", authn_write=f"key_id = {API_KEY}")
    tenant_table("partners", partner=f"id = any({PARTNER_SCOPE})")
    tenant_table("partner_ancestry", partner=f"ancestor_id = {PARTNER}", partner_write="false")
    tenant_table(
        "customers",
        partner=f"{in_scope} or id in (select customer_id from app.deals where {in_scope})",
        partner_write=in_scope,
        customer=f"id = {CUSTOMER}",
    )
    tenant_table(
        "contacts",
        partner=f"{in_scope} or customer_id in (select id from app.customers)",
        customer=f"customer_id = {CUSTOMER}",
    )
    tenant_table("pipeline_stages", partner="true", customer="true", partner_write="false")
    tenant_table("deals", partner=in_scope, customer=f"customer_id = {CUSTOMER}")
    tenant_table("deal_stage_history", partner="deal_id in (select id from app.deals)")
    tenant_table(
        "activities",
        partner=f"{in_scope} or deal_id in (select id from app.deals) or customer_id in (select id from app.customers)",
    )
    tenant_table("policy_rules")
    for table in ("deals", "customers"):
        op.execute(
            f"create policy owner_only on app.{table} as restrictive for update"
            f" using ({OWNER_ONLY}) with check ({OWNER_ONLY})"
        )

    # The audit log is append-only: every tenant audience writes it, vendors (admins, by policy) read it.
    isolate("audit_log")
    op.execute(
        f"create policy audience_read on app.audit_log as restrictive for select"
        f" using ({AUDIENCE} in ('vendor', 'system'))"
    )
    op.execute(
        f"create policy audience_write on app.audit_log as restrictive for insert"
        f" with check ({AUDIENCE} in ('vendor', 'system', 'partner', 'customer'))"
    )
    grant_dml("audit_log", "select, insert")

    # Platform tables: RLS enabled (not forced: the owner's definer function above reads tenants).
    for table in ("tenants", "admins", "api_key_index", "audit_log"):
        op.execute(f"alter table platform.{table} enable row level security")
    op.execute(
        f"create policy platform_all on platform.tenants for all"
        f" using ({AUDIENCE} = 'platform') with check ({AUDIENCE} = 'platform')"
    )
    op.execute(f"create policy own_tenant on platform.tenants for select using (id = {TENANT})")
    op.execute(f'grant select, insert, update on platform.tenants to "{app}"')
    op.execute(
        f"create policy platform_all on platform.admins for all"
        f" using ({AUDIENCE} = 'platform') with check ({AUDIENCE} = 'platform')"
    )
    op.execute(f"create policy self on platform.admins for select using ({AUDIENCE} = 'authn' and id = {USER})")
    op.execute(f'grant select, insert, update on platform.admins to "{app}"')
    # Key id -> tenant id is readable before a tenant is known; a tenant adds and removes its own keys.
    op.execute("create policy lookup on platform.api_key_index for select using (true)")
    op.execute(f"create policy own_keys on platform.api_key_index for insert with check (tenant_id = {TENANT})")
    op.execute(f"create policy own_keys_delete on platform.api_key_index for delete using (tenant_id = {TENANT})")
    op.execute(f'grant select, insert, delete on platform.api_key_index to "{app}"')
    op.execute(
        f"create policy platform_all on platform.audit_log for all"
        f" using ({AUDIENCE} = 'platform') with check ({AUDIENCE} in ('platform', 'system'))"
    )
    op.execute(f'grant select, insert on platform.audit_log to "{app}"')
    op.execute(f'grant select on platform.policy_rules, platform.alembic_version to "{app}"')


def downgrade() -> None:
    app = app_role()
    op.execute(f'revoke all on all tables in schema app from "{app}"')
    op.execute(f'revoke all on all tables in schema platform from "{app}"')
    op.execute("drop trigger if exists partner_ancestry_sync on app.partners")
    for name in (
        "app.partner_ancestry_sync()",
        "app.partner_scope()",
        "app.current_customer_id()",
        "app.current_partner_id()",
        "app.current_user_id()",
        "app.current_audience()",
        "platform.tenant_for_slug(text)",
    ):
        op.execute(f"drop function if exists {name} cascade")

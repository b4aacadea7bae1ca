"""One row-policy shape: settings only, no subqueries, no reads of other tables; identity by SET LOCAL.

Every policy is rebuilt from `migrations.security.WALLS`: the tenant equality, and an audience wall that is a
`CASE` on the audience whose arms compare the row's own columns with the transaction's settings. A partner's
scope (its partner and sub-partners) is computed once per transaction into `app.partner_scope` by
`app.set_identity`, which sets the identity with `SET LOCAL` (what Citus forwards to its workers). Rows that
a partner reaches through other rows carry `partner_ids`, kept by the write path through `app.keep_reach`,
which also keeps the partner closure table and the deal-partner touches that triggers used to keep.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.security import (
    AUDIENCE,
    OWNER_ONLY,
    TENANT,
    USER,
    WALLS,
    app_role,
    isolate,
    wall,
)

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REACHED_TABLES = ("users", "invitations", "customers", "contacts", "deal_stage_history", "activities", "lead_contacts")

FUNCTIONS = [
    # The caller's partner and its sub-partners at any depth, as `app.set_identity` computed them.
    """create or replace function app.partner_scope() returns uuid[] language sql stable parallel safe
    as $$ select coalesce(nullif(current_setting('app.partner_scope', true), '')::uuid[], '{}') $$""",
    """create function app.uuid_set(ids uuid[]) returns uuid[] language sql immutable parallel safe
    as $$ select coalesce(array_agg(distinct x order by x), '{}') from unnest(ids) x where x is not null $$""",
    # The transaction's identity, in one statement: SET LOCAL each setting (Citus forwards SET LOCAL to its
    # workers, set_config it does not), and for a partner its scope, read once from the closure table.
    """create function app.set_identity(p_tenant uuid, p_audience text, p_user uuid, p_partner uuid,
        p_customer uuid, p_roles text, p_api_key text) returns void language plpgsql volatile as $$
    declare
      scope text := '';
    begin
      if p_audience not in ('anonymous', 'platform', 'vendor', 'partner', 'customer', 'system', 'authn') then
        raise exception 'unknown audience %', p_audience using errcode = '22023';
      end if;
      execute format('set local app.tenant_id = %L', coalesce(p_tenant::text, ''));
      execute format('set local app.audience = %L', p_audience);
      execute format('set local app.user_id = %L', coalesce(p_user::text, ''));
      execute format('set local app.partner_id = %L', coalesce(p_partner::text, ''));
      execute format('set local app.customer_id = %L', coalesce(p_customer::text, ''));
      execute format('set local app.roles = %L', coalesce(p_roles, ''));
      execute format('set local app.api_key_id = %L', coalesce(p_api_key, ''));
      execute 'set local app.partner_scope = ''''';
      if p_audience = 'partner' and p_partner is not null then
        select coalesce(array_agg(a.descendant_id), '{}')::text into scope from app.partner_ancestry a
         where a.tenant_id = p_tenant and a.ancestor_id = p_partner;
        execute format('set local app.partner_scope = %L', scope);
      end if;
    end $$""",
    # What the write path keeps for the row policies, for the rows named: the closure table of partners placed
    # (inserted, or moved under another parent; in order, parents first), the deal-partner touches of deals,
    # and `partner_ids` of the rows a change reaches. Runs as the tenant's system and steps back to the caller.
    """create function app.keep_reach(p_partners uuid[], p_customers uuid[], p_deals uuid[], p_contacts uuid[],
        p_activities uuid[], p_users uuid[], p_leads uuid[]) returns void language plpgsql volatile as $$
    declare
      t uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
      caller text[] := array[current_setting('app.audience', true), current_setting('app.user_id', true),
        current_setting('app.partner_id', true), current_setting('app.customer_id', true),
        current_setting('app.roles', true), current_setting('app.api_key_id', true)];
      moved uuid;
      parent uuid;
    begin
      if t is null then
        return;
      end if;
      perform app.set_identity(t, 'system', null, null, null, 'system', null);
      foreach moved in array coalesce(p_partners, '{}') loop
        select p.parent_id into parent from app.partners p where p.tenant_id = t and p.id = moved;
        if parent is not null and exists (select 1 from app.partner_ancestry a
            where a.tenant_id = t and a.ancestor_id = moved and a.descendant_id = parent) then
          raise exception 'a partner cannot be placed under its own sub-partner' using errcode = '23514';
        end if;
        insert into app.partner_ancestry (tenant_id, ancestor_id, descendant_id, depth)
        values (t, moved, moved, 0) on conflict do nothing;
        -- The subtree leaves its old ancestors and joins the new parent's.
        delete from app.partner_ancestry d
         where d.tenant_id = t
           and d.descendant_id in (select s.descendant_id from app.partner_ancestry s
                                    where s.tenant_id = t and s.ancestor_id = moved)
           and d.ancestor_id not in (select s.descendant_id from app.partner_ancestry s
                                      where s.tenant_id = t and s.ancestor_id = moved);
        insert into app.partner_ancestry (tenant_id, ancestor_id, descendant_id, depth)
        select t, p.ancestor_id, s.descendant_id, p.depth + s.depth + 1
          from app.partner_ancestry p join app.partner_ancestry s on s.tenant_id = t and s.ancestor_id = moved
         where p.tenant_id = t and p.descendant_id = parent
        on conflict do nothing;
      end loop;
      insert into app.deal_partners (tenant_id, id, deal_id, partner_id, role)
      select d.tenant_id, gen_random_uuid(), d.id, d.partner_id,
             case when d.source = 'partner_sourced' then 'sourced' else 'influenced' end
        from app.deals d where d.tenant_id = t and d.id = any(p_deals) and d.partner_id is not null
      on conflict (tenant_id, deal_id, partner_id) do update set role = excluded.role
       where app.deal_partners.role is distinct from excluded.role;
      p_customers := coalesce(p_customers, '{}')
        || array(select d.customer_id from app.deals d where d.tenant_id = t and d.id = any(p_deals));
      update app.customers c set partner_ids = r.ids
        from (select c2.id, app.uuid_set(array[c2.partner_id] || array(select d.partner_id from app.deals d
                where d.tenant_id = t and d.customer_id = c2.id)) as ids
                from app.customers c2 where c2.tenant_id = t and c2.id = any(p_customers)) r
       where c.tenant_id = t and c.id = r.id and c.partner_ids is distinct from r.ids;
      update app.contacts ct set partner_ids = r.ids
        from (select ct2.id, app.uuid_set(array[ct2.partner_id] || coalesce((select c.partner_ids from app.customers c
                where c.tenant_id = t and c.id = ct2.customer_id), '{}')) as ids
                from app.contacts ct2 where ct2.tenant_id = t
                 and (ct2.customer_id = any(p_customers) or ct2.id = any(p_contacts))) r
       where ct.tenant_id = t and ct.id = r.id and ct.partner_ids is distinct from r.ids;
      update app.activities a set partner_ids = r.ids
        from (select a2.id, app.uuid_set(array[a2.partner_id,
                (select d.partner_id from app.deals d where d.tenant_id = t and d.id = a2.deal_id)]
                || coalesce((select c.partner_ids from app.customers c
                     where c.tenant_id = t and c.id = a2.customer_id), '{}')
                || coalesce((select c.partner_ids from app.deals d join app.customers c
                     on c.tenant_id = d.tenant_id and c.id = d.customer_id
                     where d.tenant_id = t and d.id = a2.deal_id), '{}')) as ids
                from app.activities a2 where a2.tenant_id = t
                 and (a2.customer_id = any(p_customers) or a2.deal_id = any(p_deals) or a2.id = any(p_activities)
                      or a2.deal_id in (select d.id from app.deals d
                                         where d.tenant_id = t and d.customer_id = any(p_customers)))) r
       where a.tenant_id = t and a.id = r.id and a.partner_ids is distinct from r.ids;
      update app.deal_stage_history h set partner_ids = app.uuid_set(array[d.partner_id])
        from app.deals d
       where h.tenant_id = t and d.tenant_id = t and d.id = h.deal_id and h.deal_id = any(p_deals)
         and h.partner_ids is distinct from app.uuid_set(array[d.partner_id]);
      update app.users u set partner_ids = app.uuid_set(array(select m.partner_id from app.memberships m
               where m.tenant_id = t and m.user_id = u.id))
       where u.tenant_id = t and u.id = any(p_users);
      update app.invitations i set partner_ids = u.partner_ids from app.users u
       where i.tenant_id = t and u.tenant_id = t and u.id = i.user_id and i.user_id = any(p_users)
         and i.partner_ids is distinct from u.partner_ids;
      update app.lead_contacts lc set partner_ids = app.uuid_set(array(select la.partner_id
               from app.lead_assignments la where la.tenant_id = t and la.lead_id = lc.lead_id
                and la.status = 'accepted'))
       where lc.tenant_id = t and lc.lead_id = any(p_leads);
      perform app.set_identity(t, caller[1], nullif(caller[2], '')::uuid, nullif(caller[3], '')::uuid,
        nullif(caller[4], '')::uuid, caller[5], nullif(caller[6], ''));
    end $$""",
]

# Every policy before this revision, by table: dropped and rebuilt in the one shape.
OLD_POLICIES = {
    "audit_log": ("tenant_isolation", "audience_read", "audience_write"),
    "outbox": ("tenant_isolation", "audience_write", "audience_read", "audience_change"),
    "deals": ("tenant_isolation", "audience_wall", "owner_only", "owner_only_delete"),
    "customers": ("tenant_isolation", "audience_wall", "owner_only", "owner_only_delete"),
    "registrations": ("tenant_isolation", "audience_wall", "partners_submit_only"),
}
PLATFORM_POLICIES = {
    "tenants": ("platform_all", "own_tenant"),
    "admins": ("platform_all", "self"),
    "api_key_index": ("lookup", "own_keys", "own_keys_delete"),
    "audit_log": ("platform_all",),
}
LIST_INDEXES = {
    "customers": ("name", "id"),
    "partners": ("name", "id"),
    "contacts": ("last_name", "first_name", "id"),
    "activities": ("occurred_at", "id"),
    "leads": ("created_at", "id"),
    "registrations": ("created_at", "id"),
}


def upgrade() -> None:
    for table in REACHED_TABLES:
        op.add_column(
            table,
            sa.Column("partner_ids", sa.ARRAY(sa.Uuid()), server_default=sa.text("'{}'"), nullable=False),
            schema="app",
        )
    op.execute("drop trigger if exists partner_ancestry_sync on app.partners")
    op.execute("drop trigger if exists deal_partners_sync on app.deals")
    op.execute("drop function if exists app.partner_ancestry_sync()")
    op.execute("drop function if exists app.deal_partners_sync()")
    for statement in FUNCTIONS:
        op.execute(statement)
    signature = "app.set_identity(uuid, text, uuid, uuid, uuid, text, text)"
    op.execute(f'grant execute on function {signature} to "{app_role()}"')

    for table in WALLS:
        for policy in OLD_POLICIES.get(table, ("tenant_isolation", "audience_wall")):
            op.execute(f"drop policy if exists {policy} on app.{table}")
        isolate(table)
        wall(table)
    for table in ("deals", "customers"):
        op.execute(
            f"create policy owner_only on app.{table} as restrictive for update"
            f" using ({OWNER_ONLY}) with check ({OWNER_ONLY})"
        )
        op.execute(f"create policy owner_only_delete on app.{table} as restrictive for delete using ({OWNER_ONLY})")
    op.execute(
        "create policy partners_submit_only on app.registrations as restrictive for update"
        f" using ({AUDIENCE} <> 'partner')"
    )
    for table, policies in OLD_POLICIES.items():
        if table in WALLS:
            continue
        for policy in policies:
            op.execute(f"drop policy if exists {policy} on app.{table}")
        isolate(table)
    # The audit log is append-only: every tenant audience writes it, vendors (admins, by action) read it.
    op.execute(
        "create policy audience_read on app.audit_log as restrictive for select"
        f" using ({AUDIENCE} in ('vendor', 'system'))"
    )
    op.execute(
        "create policy audience_write on app.audit_log as restrictive for insert"
        f" with check ({AUDIENCE} in ('vendor', 'system', 'partner', 'customer'))"
    )
    # Requests of every audience record events; only `system` reads them back inside a tenant.
    app = app_role()
    op.execute(
        f'create policy audience_write on app.outbox as restrictive for insert to "{app}"'
        f" with check ({AUDIENCE} in ('vendor', 'system', 'partner', 'customer'))"
    )
    for name, command in (("audience_read", "select"), ("audience_change", "update")):
        op.execute(
            f'create policy {name} on app.outbox as restrictive for {command} to "{app}"'
            f" using ({AUDIENCE} = 'system')"
        )

    for table, policies in PLATFORM_POLICIES.items():
        for policy in policies:
            op.execute(f"drop policy if exists {policy} on platform.{table}")
    platform = f"{AUDIENCE} = 'platform'"
    op.execute(f"create policy platform_all on platform.tenants for all using ({platform}) with check ({platform})")
    op.execute(f"create policy own_tenant on platform.tenants for select using (id = {TENANT})")
    op.execute(f"create policy platform_all on platform.admins for all using ({platform}) with check ({platform})")
    op.execute(f"create policy self on platform.admins for select using ({AUDIENCE} = 'authn' and id = {USER})")
    op.execute("create policy lookup on platform.api_key_index for select using (true)")
    op.execute(f"create policy own_keys on platform.api_key_index for insert with check (tenant_id = {TENANT})")
    op.execute(f"create policy own_keys_delete on platform.api_key_index for delete using (tenant_id = {TENANT})")
    op.execute(
        f"create policy platform_all on platform.audit_log for all using ({platform})"
        f" with check ({AUDIENCE} in ('platform', 'system'))"
    )

    for table, columns in LIST_INDEXES.items():
        name = f"ix_{table}_tenant_id_{'_'.join(columns)}"
        op.execute(f"create index if not exists {name} on app.{table} (tenant_id, {', '.join(columns)})")

    # Existing rows: what each tenant's rows reach, computed by the function the write path calls from now on.
    bind = op.get_bind()
    for (tenant_id,) in bind.execute(sa.text("select id from platform.tenants")).all():
        bind.execute(
            sa.text("select app.set_identity(:t, 'system', null, null, null, 'system', null)"), {"t": tenant_id}
        )
        bind.execute(
            sa.text(
                "select app.keep_reach('{}', array(select id from app.customers), array(select id from app.deals),"
                " array(select id from app.contacts), array(select id from app.activities),"
                " array(select id from app.users), array(select id from app.leads))"
            )
        )
    bind.execute(sa.text("select app.set_identity(null, 'anonymous', null, null, null, null, null)"))


def downgrade() -> None:
    raise NotImplementedError("0009 rebuilt every policy; restore from a backup taken before it")

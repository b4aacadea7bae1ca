"""Row security and grants, shared by migrations: one declaration per table (`WALLS`), one policy shape.

Every `app` table gets RLS enabled and forced, and per command one permissive policy: the fail-closed tenant
equality (docs/architecture.md, rule 1) and an audience wall that denies by default and names each audience
that may pass, with its row condition. The wall is a `CASE` on the audience — `vendor` and `system` plain
`true`, so the planner keeps the tenant equality and the ordered indexes for them — whose other arms compare
the row's own columns with the transaction's settings only: no subquery and no read of another table, so the
same policies run on Citus. A partner's reach is its scope (its partner id and its sub-partners', computed
once per transaction into `app.partner_scope` by `app.set_identity`) against the row's `partner_id`, or
against `partner_ids`, the partners whose scope reaches a row through other rows (a customer with a deal of
theirs), which the write path keeps (`app.keep_reach`, called by `tenants.reach`).

Migrations before 0009 used `audience_wall`'s older shape; 0009 rebuilt every wall from `WALLS`; 0011 turned
the tenant policy and the restrictive wall into one permissive policy per command (`guard`: Citus copies
restrictive policies to its shards as permissive ones). A table added later declares its wall here and calls
`tenant_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import context, op

# The transaction's identity, as expressions of settings only (STABLE functions of current_setting).
TENANT = "nullif(current_setting('app.tenant_id', true), '')::uuid"
AUDIENCE = "app.current_audience()"
USER = "app.current_user_id()"
PARTNER = "app.current_partner_id()"
CUSTOMER = "app.current_customer_id()"
SCOPE = "app.partner_scope()"
API_KEY = "nullif(current_setting('app.api_key_id', true), '')"
ROLES = "string_to_array(current_setting('app.roles', true), ',')"
FALSE = "false"
# Sales reps change only rows they own; the roles that may change any row are named here.
OWNER_ONLY = (
    f"{AUDIENCE} <> 'vendor' or owner_id = {USER}"
    f" or {ROLES} && array['owner', 'admin', 'channel_manager', 'sales_manager']"
)

IN_SCOPE = f"partner_id = any({SCOPE})"
REACHED = f"partner_ids && {SCOPE}"


@dataclass(frozen=True)
class Wall:
    """Who passes a table's audience wall, beyond its tenant's vendors and system: row conditions for reads
    (`partner`, `customer`, `authn`) and writes (`*_write`; a partner's writes default to its reads)."""

    partner: str = FALSE
    customer: str = FALSE
    authn: str = FALSE
    partner_write: str | None = None
    customer_write: str = FALSE
    authn_write: str = FALSE

    def using(self) -> str:
        return _case(self.partner, self.customer, self.authn)

    def check(self) -> str:
        partner = self.partner if self.partner_write is None else self.partner_write
        return _case(partner, self.customer_write, self.authn_write)


def _case(partner: str, customer: str, authn: str) -> str:
    return (
        f"case {AUDIENCE} when 'vendor' then true when 'system' then true"
        f" when 'partner' then ({partner}) when 'customer' then ({customer}) when 'authn' then ({authn})"
        " else false end"
    )


VENDORS_ONLY = Wall()

WALLS: dict[str, Wall] = {
    # A customer user writes its own row (its profile, migration 0015); vendors and partners already could.
    "users": Wall(
        partner=f"id = {USER} or {REACHED}",
        customer=f"id = {USER}",
        authn=f"id = {USER}",
        customer_write=f"id = {USER}",
    ),
    "memberships": Wall(partner=IN_SCOPE, customer=f"user_id = {USER}", authn=f"user_id = {USER}"),
    "invitations": Wall(partner=REACHED),
    "api_keys": Wall(partner=IN_SCOPE, authn=f"key_id = {API_KEY}", authn_write=f"key_id = {API_KEY}"),
    "partners": Wall(partner=f"id = any({SCOPE})"),
    "partner_ancestry": Wall(partner=f"ancestor_id = {PARTNER}", partner_write=FALSE),
    "customers": Wall(partner=REACHED, partner_write=IN_SCOPE, customer=f"id = {CUSTOMER}"),
    "contacts": Wall(partner=REACHED, customer=f"customer_id = {CUSTOMER}"),
    "pipeline_stages": Wall(partner="true", customer="true", partner_write=FALSE),
    "deals": Wall(partner=IN_SCOPE, customer=f"customer_id = {CUSTOMER}"),
    "deal_stage_history": Wall(partner=REACHED),
    "activities": Wall(partner=REACHED),
    "policy_rules": VENDORS_ONLY,
    "registrations": Wall(
        partner=f"partner_id = {PARTNER}", partner_write=f"partner_id = {PARTNER} and status = 'submitted'"
    ),
    "registration_conflicts": VENDORS_ONLY,
    "deal_partners": Wall(partner=IN_SCOPE),
    "partner_applications": VENDORS_ONLY,
    "partner_agreements": Wall(partner="true", partner_write=FALSE),
    "agreement_acceptances": Wall(partner=f"partner_id = {PARTNER}"),
    "lead_tier_rules": VENDORS_ONLY,
    "leads": Wall(partner=f"partner_id = {PARTNER}", partner_write=FALSE),
    "lead_assignments": Wall(partner=f"partner_id = {PARTNER}", partner_write=FALSE),
    # A lead's contact is a partner's to read once its offer is accepted (its id is then in partner_ids).
    "lead_contacts": Wall(partner=f"{PARTNER} = any(partner_ids)", partner_write=FALSE),
    "webhook_endpoints": VENDORS_ONLY,
    "webhook_deliveries": VENDORS_ONLY,
    "webhook_attempts": VENDORS_ONLY,
    "processed_events": VENDORS_ONLY,
    "transfer_jobs": VENDORS_ONLY,
    "transfer_chunks": VENDORS_ONLY,
    "import_problems": VENDORS_ONLY,
}


def app_role() -> str:
    return context.config.attributes["app_role"]


def relay_role() -> str:
    return context.config.attributes["relay_role"]


def isolate(table: str) -> None:
    """The 0009 shape (used by 0009 only): RLS enabled and forced, and the permissive tenant policy."""
    op.execute(f"alter table app.{table} enable row level security")
    op.execute(f"alter table app.{table} force row level security")
    op.execute(
        f"create policy tenant_isolation on app.{table} as permissive for all"
        f" using (tenant_id = {TENANT}) with check (tenant_id = {TENANT})"
    )


def wall(table: str) -> None:
    """The 0009 shape (used by 0009 only): the restrictive audience policy of `app.<table>`."""
    declared = WALLS[table]
    op.execute(
        f"create policy audience_wall on app.{table} as restrictive for all"
        f" using ({declared.using()}) with check ({declared.check()})"
    )


# -- the shape since 0011: permissive policies only, one per command -------------------------------------------
#
# Citus 13.2 copies a restrictive policy onto its shards as a *permissive* one (measured: a tenant's system
# then read every tenant's rows on the shard), so no policy is restrictive: each table has one permissive
# policy per command, the conjunction of the tenant equality, the audience wall and the command's own
# condition below (what were restrictive policies of their own).

COMMANDS = ("select", "insert", "update", "delete")
OWN_TENANT = f"tenant_id = {TENANT}"
REQUESTERS = f"{AUDIENCE} in ('vendor', 'system', 'partner', 'customer')"
COMMAND_CONDITIONS: dict[str, dict[str, str]] = {
    "deals": {"update": OWNER_ONLY, "delete": OWNER_ONLY},
    "customers": {"update": OWNER_ONLY, "delete": OWNER_ONLY},
    # A partner submits a registration; only the vendor decides it.
    "registrations": {"update": f"{AUDIENCE} <> 'partner'"},
    # Append-only: every tenant audience writes it, vendors (admins, by action) read it.
    "audit_log": {"select": f"{AUDIENCE} in ('vendor', 'system')", "insert": REQUESTERS},
    # Requests of every audience record events; only `system` reads them back inside a tenant.
    "outbox": {"select": f"{AUDIENCE} = 'system'", "insert": REQUESTERS, "update": f"{AUDIENCE} = 'system'"},
}


def _all(*conditions: str) -> str:
    return " and ".join(f"({c})" for c in conditions if c != "true")


# Since 0015 (the column comes with it): a partner changes and deletes only the activities its own users or keys
# wrote; vendors and system any. 0015 guards `activities` with these on top of COMMAND_CONDITIONS.
OWN_PARTNER_ACTIVITIES = f"{AUDIENCE} <> 'partner' or author_partner_id = {PARTNER}"
ACTIVITY_CONDITIONS = {"update": OWN_PARTNER_ACTIVITIES, "delete": OWN_PARTNER_ACTIVITIES}


def drop_guard(table: str) -> None:
    for command in COMMANDS:
        op.execute(f"drop policy tenant_{command} on app.{table}")


def guard(table: str, conditions: dict[str, str] | None = None) -> None:
    """The row policies of `app.<table>`: per command, tenant and wall (`WALLS`; none: tenant only) and the
    command's condition (`conditions`, else `COMMAND_CONDITIONS`); `using` for the rows a command reads, `with
    check` for the rows it writes."""
    declared = WALLS.get(table)
    using, check = (declared.using(), declared.check()) if declared else ("true", "true")
    own = COMMAND_CONDITIONS.get(table, {}) if conditions is None else conditions
    for command in COMMANDS:
        condition = own.get(command, "true")
        clauses = []
        if command != "insert":
            clauses.append(f"using ({_all(OWN_TENANT, using, condition)})")
        if command in ("insert", "update"):
            clauses.append(f"with check ({_all(OWN_TENANT, check, condition)})")
        op.execute(f"create policy tenant_{command} on app.{table} as permissive for {command} {' '.join(clauses)}")


def grant_dml(table: str, privileges: str = "select, insert, update, delete") -> None:
    op.execute(f'grant {privileges} on app.{table} to "{app_role()}"')


def tenant_table(table: str) -> None:
    """A new tenant table: RLS enabled and forced, guarded as `WALLS` declares, and granted to the runtime role."""
    op.execute(f"alter table app.{table} enable row level security")
    op.execute(f"alter table app.{table} force row level security")
    guard(table)
    grant_dml(table)


# -- the shape before 0009 (kept so that the migrations that used it still run unchanged) ----------------------

LEGACY_TENANT = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)"
LEGACY_AUDIENCE = "(select app.current_audience())"
LEGACY_USER = "(select app.current_user_id())"
LEGACY_PARTNER = "(select app.current_partner_id())"
LEGACY_CUSTOMER = "(select app.current_customer_id())"
LEGACY_PARTNER_SCOPE = "(select app.partner_scope())::uuid[]"
LEGACY_API_KEY = "(select nullif(current_setting('app.api_key_id', true), ''))"
LEGACY_OWNER_ONLY = (
    f"{LEGACY_AUDIENCE} <> 'vendor' or owner_id = {LEGACY_USER}"
    " or string_to_array(current_setting('app.roles', true), ',')"
    " && array['owner', 'admin', 'channel_manager', 'sales_manager']"
)


def legacy_isolate(table: str) -> None:
    op.execute(f"alter table app.{table} enable row level security")
    op.execute(f"alter table app.{table} force row level security")
    op.execute(
        f"create policy tenant_isolation on app.{table} as permissive for all"
        f" using (tenant_id = {LEGACY_TENANT}) with check (tenant_id = {LEGACY_TENANT})"
    )


def legacy_audience_wall(
    table: str,
    *,
    partner: str = FALSE,
    customer: str = FALSE,
    authn: str = FALSE,
    partner_write: str | None = None,
    customer_write: str = FALSE,
    authn_write: str = FALSE,
) -> None:
    def clause(p: str, c: str, a: str) -> str:
        return (
            f"{LEGACY_AUDIENCE} in ('vendor', 'system')"
            f" or ({LEGACY_AUDIENCE} = 'partner' and ({p}))"
            f" or ({LEGACY_AUDIENCE} = 'customer' and ({c}))"
            f" or ({LEGACY_AUDIENCE} = 'authn' and ({a}))"
        )

    write = clause(partner if partner_write is None else partner_write, customer_write, authn_write)
    op.execute(
        f"create policy audience_wall on app.{table} as restrictive for all"
        f" using ({clause(partner, customer, authn)}) with check ({write})"
    )


def legacy_tenant_table(table: str, **walled: str) -> None:
    legacy_isolate(table)
    legacy_audience_wall(table, **walled)
    grant_dml(table)

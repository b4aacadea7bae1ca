"""SQL builders for row-level security and grants, shared by migrations.

Every `app` table gets: RLS enabled and forced; the fail-closed tenant policy (docs/architecture.md, rule 1); and a
restrictive audience wall that denies by default and names each audience that may pass, with its row
condition. `vendor` and `system` pass within their tenant; `partner`, `customer` and `authn` (the edge
reading one user's membership or one key) pass only where a condition is given.
"""

from __future__ import annotations

from alembic import context, op

TENANT = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)"
AUDIENCE = "(select app.current_audience())"
USER = "(select app.current_user_id())"
PARTNER = "(select app.current_partner_id())"
CUSTOMER = "(select app.current_customer_id())"
PARTNER_SCOPE = "(select app.partner_scope())::uuid[]"
API_KEY = "(select nullif(current_setting('app.api_key_id', true), ''))"
FALSE = "false"
# Sales reps change only rows they own; the roles that may change any row are named here.
OWNER_ONLY = (
    f"{AUDIENCE} <> 'vendor' or owner_id = {USER}"
    " or string_to_array(current_setting('app.roles', true), ',')"
    " && array['owner', 'admin', 'channel_manager', 'sales_manager']"
)


def app_role() -> str:
    return context.config.attributes["app_role"]


def relay_role() -> str:
    return context.config.attributes["relay_role"]


def isolate(table: str) -> None:
    """RLS enabled and forced, and the tenant policy, on `app.<table>`."""
    op.execute(f"alter table app.{table} enable row level security")
    op.execute(f"alter table app.{table} force row level security")
    op.execute(
        f"create policy tenant_isolation on app.{table} as permissive for all"
        f" using (tenant_id = {TENANT}) with check (tenant_id = {TENANT})"
    )


def audience_wall(
    table: str,
    *,
    partner: str = FALSE,
    customer: str = FALSE,
    authn: str = FALSE,
    partner_write: str | None = None,
    customer_write: str = FALSE,
    authn_write: str = FALSE,
) -> None:
    """The restrictive audience policy: reads by `using`, writes by `with check`."""

    def clause(p: str, c: str, a: str) -> str:
        return (
            f"{AUDIENCE} in ('vendor', 'system')"
            f" or ({AUDIENCE} = 'partner' and ({p}))"
            f" or ({AUDIENCE} = 'customer' and ({c}))"
            f" or ({AUDIENCE} = 'authn' and ({a}))"
        )

    write = clause(partner if partner_write is None else partner_write, customer_write, authn_write)
    op.execute(
        f"create policy audience_wall on app.{table} as restrictive for all"
        f" using ({clause(partner, customer, authn)}) with check ({write})"
    )


def grant_dml(table: str, privileges: str = "select, insert, update, delete") -> None:
    op.execute(f'grant {privileges} on app.{table} to "{app_role()}"')


def tenant_table(table: str, **wall: str) -> None:
    isolate(table)
    audience_wall(table, **wall)
    grant_dml(table)

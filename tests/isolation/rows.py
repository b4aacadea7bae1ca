"""One row in every `app` table for a tenant, written as that tenant's `system` principal."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from authz.principal import Principal
from tenants.database import tenant_session

# Each statement inserts one row; :t is the tenant, :x a fresh id; names refer to ids made earlier.
INSERTS: list[tuple[str, str]] = [
    (
        "users",
        "insert into app.users (tenant_id, id, email, name, status) values (:t, :x, cast(:x as uuid)::text || '@e.example', 'U', 'active')",
    ),
    ("partners", "insert into app.partners (tenant_id, id, name, kind) values (:t, :x, 'P', 'reseller')"),
    ("customers", "insert into app.customers (tenant_id, id, name, partner_id) values (:t, :x, 'C', :partners)"),
    (
        "memberships",
        "insert into app.memberships (tenant_id, id, user_id, audience, roles) values (:t, :x, :users, 'vendor', '{admin}')",
    ),
    (
        "invitations",
        "insert into app.invitations (tenant_id, id, user_id, token_hash, expires_at) values (:t, :x, :users, decode(md5(cast(:x as uuid)::text), 'hex'), now() + interval '1 day')",
    ),
    (
        "api_keys",
        "insert into app.api_keys (tenant_id, id, key_id, name, secret_hash, audience, roles) values (:t, :x, left(replace(cast(:x as uuid)::text, '-', ''), 16), 'K', '\\x00', 'vendor', '{admin}')",
    ),
    (
        "contacts",
        "insert into app.contacts (tenant_id, id, customer_id, first_name, email) values (:t, :x, :customers, 'Ann', 'ann@c.example')",
    ),
    (
        "pipeline_stages",
        "insert into app.pipeline_stages (tenant_id, id, name, position, probability, kind) values (:t, :x, 'S ' || cast(:x as uuid)::text, 100 + (random() * 1000)::int, 10, 'open')",
    ),
    (
        "deals",
        "insert into app.deals (tenant_id, id, title, customer_id, partner_id, source, stage_id, amount, currency, owner_id) values (:t, :x, 'D', :customers, :partners, 'partner_sourced', :pipeline_stages, 100, 'USD', :users)",
    ),
    (
        "deal_stage_history",
        "insert into app.deal_stage_history (tenant_id, id, deal_id, to_stage_id) values (:t, :x, :deals, :pipeline_stages)",
    ),
    (
        "activities",
        "insert into app.activities (tenant_id, id, kind, subject, deal_id) values (:t, :x, 'note', 'N', :deals)",
    ),
    (
        "audit_log",
        "insert into app.audit_log (tenant_id, id, actor_audience, action, entity_type) values (:t, :x, 'system', 'test', 'T')",
    ),
    (
        "policy_rules",
        "insert into app.policy_rules (tenant_id, id, role, obj, act) values (:t, :x, 'support', 'deal', 'update')",
    ),
]
# partner_ancestry rows come from the trigger on partners.
TABLES = [name for name, _ in INSERTS] + ["partner_ancestry"]


async def populate(sessions, tenant_id: uuid.UUID) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    async with tenant_session(sessions, Principal.system(tenant_id)) as session:
        for table, sql in INSERTS:
            ids[table] = uuid.uuid4()
            await session.execute(text(sql), {"t": tenant_id, "x": ids[table], **ids})
    return ids

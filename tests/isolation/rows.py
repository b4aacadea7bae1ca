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
    (
        # The write path keeps the closure table (tenants.reach); a raw insert of a partner adds its row itself.
        "partner_ancestry",
        "insert into app.partner_ancestry (tenant_id, ancestor_id, descendant_id, depth) values (:t, :partners, :partners, 0)",
    ),
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
    (
        "registrations",
        "insert into app.registrations (tenant_id, id, partner_id, company_name, name_key, domain_key, currency) values (:t, :x, :partners, 'Acme', 'acme', 'acme.example', 'USD')",
    ),
    (
        "registration_conflicts",
        "insert into app.registration_conflicts (tenant_id, id, registration_id, kind, rule, score, deal_id) values (:t, :x, :registrations, 'direct_deal', 'domain', 100, :deals)",
    ),
    (
        "deal_partners",
        "insert into app.deal_partners (tenant_id, id, deal_id, partner_id, role) values (:t, :x, :deals, :partners, 'influenced')",
    ),
    # Partner onboarding and lead distribution (migration 0006).
    (
        "partner_applications",
        "insert into app.partner_applications (tenant_id, id, company_name, kind, contact_name, contact_email, origin) values (:t, :x, 'Apply Co', 'reseller', 'Ann', 'ann@apply.example', 'team')",
    ),
    (
        "partner_agreements",
        "insert into app.partner_agreements (tenant_id, id, version, title, body) values (:t, :x, 1, 'Terms', 'Text')",
    ),
    (
        "agreement_acceptances",
        "insert into app.agreement_acceptances (tenant_id, id, agreement_id, partner_id, user_id) values (:t, :x, :partner_agreements, :partners, :users)",
    ),
    (
        "lead_tier_rules",
        "insert into app.lead_tier_rules (tenant_id, id, tier, weight, capacity) values (:t, :x, 'gold', 3, 5)",
    ),
    (
        "leads",
        "insert into app.leads (tenant_id, id, company_name, source, status, partner_id) values (:t, :x, 'Lead Co', 'web', 'offered', :partners)",
    ),
    (
        "lead_contacts",
        "insert into app.lead_contacts (tenant_id, id, lead_id, first_name, email) values (:t, :x, :leads, 'Lee', 'lee@lead.example')",
    ),
    (
        "lead_assignments",
        "insert into app.lead_assignments (tenant_id, id, lead_id, partner_id, method, assigned_at, accept_by) values (:t, :x, :leads, :partners, 'rule', now(), now() + interval '2 days')",
    ),
]
TABLES = [name for name, _ in INSERTS]


async def populate(sessions, tenant_id: uuid.UUID) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    async with tenant_session(sessions, Principal.system(tenant_id)) as session:
        for table, sql in INSERTS:
            ids[table] = uuid.uuid4()
            await session.execute(text(sql), {"t": tenant_id, "x": ids[table], **ids})
    return ids

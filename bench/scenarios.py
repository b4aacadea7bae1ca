"""The scenarios: for each, ChannelGraph's GraphQL document, PostGraphile's equivalent (its naming: `allX`,
`xByTenantIdAndY`, `rowId`), and the equivalent SQL for the raw-SQL bound, all with the same identities.

Equivalence is of data, not of spelling: the same rows, fields and order (ChannelGraph's default orders are
spelled out for PostGraphile), and the same identity as transaction-local settings so the same row policies
decide. The raw SQL builds the response JSON in one statement (the fastest shape in PERFORMANCE.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import jwt

from bench.dataset import NEW_DEAL_TITLE, REQUESTS, Persona, RotationEntry
from schema.relay import to_global_id

TENANT = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)"
UUID_PLACEHOLDER = "__UUID__"  # replaced per request by the load driver (PostGraphile's createDeal needs an id)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    rotation: str  # which rotation list (dataset.rotation): vendor, partner, deal, create
    cg_document: str
    cg_variables: Callable[[RotationEntry], dict]
    pgl_document: str
    pgl_variables: Callable[[RotationEntry], dict]
    sql: str  # uses pgbench variables :deal_id, :customer_id, :stage_id, :user_id from the rotation row
    read_only: bool = True
    mix_weight: int = 0


VENDOR_LIST = Scenario(
    name="vendor_list",
    title="vendor list: 50 customers with deals and partner",
    rotation="vendor",
    cg_document="""query VendorList($first: Int!) { customers(first: $first) { edges { node {
  id name domain industry lifecycleStage
  partner { id name tier }
  deals(first: 5) { id title status expectedCloseDate amount { amount currency } }
} } } }""",
    cg_variables=lambda e: {"first": 50},
    pgl_document="""query VendorList($first: Int!) {
  allCustomers(first: $first, orderBy: [NAME_ASC, ROW_ID_ASC], condition: {archivedAt: null}) { nodes {
    id name domain industry lifecycleStage
    partnerByTenantIdAndPartnerId { id name tier }
    dealsByTenantIdAndCustomerId(first: 5, orderBy: [CREATED_AT_DESC, ROW_ID_ASC], condition: {archivedAt: null}) {
      nodes { id title status expectedCloseDate amount currency } }
} } }""",
    pgl_variables=lambda e: {"first": 50},
    sql=f"""select coalesce(json_agg(row_to_json(x)), '[]') from (
  select c.id, c.name, c.domain, c.industry, c.lifecycle_stage,
    (select row_to_json(p) from (select p.id, p.name, p.tier from app.partners p
      where p.tenant_id = c.tenant_id and p.id = c.partner_id) p) as partner,
    array_to_json(array(select row_to_json(d) from (select d.id, d.title, d.status, d.expected_close_date,
      d.amount, d.currency from app.deals d where d.tenant_id = c.tenant_id and d.customer_id = c.id
      and d.archived_at is null order by d.created_at desc, d.id limit 5) d)) as deals
  from app.customers c where c.tenant_id = {TENANT} and c.archived_at is null
  order by c.name, c.id limit 50) x""",
    mix_weight=30,
)

PARTNER_PORTAL = Scenario(
    name="partner_portal",
    title="partner portal: the partner's deals with customer and stage",
    rotation="partner",
    cg_document="""query PartnerDeals($first: Int!) { deals(first: $first) { edges { node {
  id title status expectedCloseDate amount { amount currency }
  stage { name kind } customer { id name } partner { id name }
} } } }""",
    cg_variables=lambda e: {"first": 50},
    pgl_document="""query PartnerDeals($first: Int!) {
  allDeals(first: $first, orderBy: [CREATED_AT_DESC, ROW_ID_ASC], condition: {archivedAt: null}) { nodes {
    id title status expectedCloseDate amount currency
    pipelineStageByTenantIdAndStageId { name kind }
    customerByTenantIdAndCustomerId { id name }
    partnerByTenantIdAndPartnerId { id name }
} } }""",
    pgl_variables=lambda e: {"first": 50},
    sql=f"""select coalesce(json_agg(row_to_json(x)), '[]') from (
  select d.id, d.title, d.status, d.expected_close_date, d.amount, d.currency,
    (select row_to_json(s) from (select s.name, s.kind from app.pipeline_stages s
      where s.tenant_id = d.tenant_id and s.id = d.stage_id) s) as stage,
    (select row_to_json(c) from (select c.id, c.name from app.customers c
      where c.tenant_id = d.tenant_id and c.id = d.customer_id) c) as customer,
    (select row_to_json(p) from (select p.id, p.name from app.partners p
      where p.tenant_id = d.tenant_id and p.id = d.partner_id) p) as partner
  from app.deals d where d.tenant_id = {TENANT} and d.archived_at is null
  order by d.created_at desc, d.id limit 50) x""",
    mix_weight=30,
)

DEAL_DETAIL = Scenario(
    name="deal_detail",
    title="deal detail by id with activities and contacts",
    rotation="deal",
    cg_document="""query DealDetail($id: ID!) { deal(id: $id) {
  id title status source probability expectedCloseDate internalNotes amount { amount currency }
  stage { name kind } partner { id name } owner { id name }
  customer { id name domain contacts(first: 10) { id firstName lastName email title } }
  activities(first: 10) { id kind subject occurredAt }
} }""",
    cg_variables=lambda e: {"id": to_global_id("Deal", e.deal_id)},
    pgl_document="""query DealDetail($tenantId: UUID!, $id: UUID!) {
dealByTenantIdAndRowId(tenantId: $tenantId, rowId: $id) {
  id title status source probability expectedCloseDate internalNotes amount currency
  pipelineStageByTenantIdAndStageId { name kind }
  partnerByTenantIdAndPartnerId { id name }
  userByTenantIdAndOwnerId { id name }
  customerByTenantIdAndCustomerId { id name domain
    contactsByTenantIdAndCustomerId(first: 10, orderBy: [LAST_NAME_ASC, FIRST_NAME_ASC, ROW_ID_ASC]) {
      nodes { id firstName lastName email title } } }
  activitiesByTenantIdAndDealId(first: 10, orderBy: [OCCURRED_AT_DESC, ROW_ID_ASC]) {
    nodes { id kind subject occurredAt } }
} }""",
    pgl_variables=lambda e: {"tenantId": str(e.persona.tenant_id), "id": str(e.deal_id)},
    sql=f"""select row_to_json(x) from (
  select d.id, d.title, d.status, d.source, d.probability, d.expected_close_date, d.internal_notes,
    d.amount, d.currency,
    (select row_to_json(s) from (select s.name, s.kind from app.pipeline_stages s
      where s.tenant_id = d.tenant_id and s.id = d.stage_id) s) as stage,
    (select row_to_json(p) from (select p.id, p.name from app.partners p
      where p.tenant_id = d.tenant_id and p.id = d.partner_id) p) as partner,
    (select row_to_json(u) from (select u.id, u.name from app.users u
      where u.tenant_id = d.tenant_id and u.id = d.owner_id) u) as owner,
    (select row_to_json(c) from (select c.id, c.name, c.domain,
      array_to_json(array(select row_to_json(k) from (select k.id, k.first_name, k.last_name, k.email, k.title
        from app.contacts k where k.tenant_id = c.tenant_id and k.customer_id = c.id and k.archived_at is null
        order by k.last_name, k.first_name, k.id limit 10) k)) as contacts
      from app.customers c where c.tenant_id = d.tenant_id and c.id = d.customer_id) c) as customer,
    array_to_json(array(select row_to_json(a) from (select a.id, a.kind, a.subject, a.occurred_at
      from app.activities a where a.tenant_id = d.tenant_id and a.deal_id = d.id
      order by a.occurred_at desc, a.id limit 10) a)) as activities
  from app.deals d where d.tenant_id = {TENANT} and d.id = :deal_id::uuid) x""",
    mix_weight=25,
)

PIPELINE = Scenario(
    name="pipeline",
    title="pipeline aggregate by stage",
    rotation="vendor",
    cg_document="""query Pipeline {
  pipeline { stage { id name position kind } dealCount amounts { amount currency } } }""",
    cg_variables=lambda e: {},
    pgl_document="""query Pipeline {
  cgbenchPeerPipeline { nodes { stageId name position kind dealCount amounts } } }""",
    pgl_variables=lambda e: {},
    sql="""select coalesce(json_agg(row_to_json(x)), '[]') from cgbench_peer.pipeline() x""",
    mix_weight=10,
)


def _cg_create(e: RotationEntry) -> dict:
    return {
        "input": {
            "title": NEW_DEAL_TITLE,
            "customerId": to_global_id("Customer", e.customer_id),
            "amount": "1250.00",
            "currency": "USD",
        }
    }


def _pgl_create(e: RotationEntry) -> dict:
    return {
        "deal": {
            "rowId": UUID_PLACEHOLDER,
            "title": NEW_DEAL_TITLE,
            "customerId": str(e.customer_id),
            "stageId": str(e.stage_id),
            "amount": "1250.00",
            "currency": "USD",
            "probability": 10,
            "ownerId": str(e.persona.user_id),
            "status": "open",
            "source": "direct",
        }
    }


CREATE_DEAL = Scenario(
    name="create_deal",
    title="createDeal mutations",
    rotation="create",
    cg_document="""mutation CreateDeal($input: CreateDealInput!) { createDeal(input: $input) { deal {
  id title status amount { amount currency } stage { name } customer { id name }
} } }""",
    cg_variables=_cg_create,
    pgl_document="""mutation CreateDeal($deal: DealInput!) { createDeal(input: {deal: $deal}) { deal {
  id title status amount currency pipelineStageByTenantIdAndStageId { name } customerByTenantIdAndCustomerId { id name }
} } }""",
    pgl_variables=_pgl_create,
    # What ChannelGraph's createDeal writes: the deal, its stage history, the audit entry, the outbox event.
    sql=f"""with d as (
  insert into app.deals (tenant_id, id, title, customer_id, stage_id, amount, currency, probability, owner_id,
                         status, source)
  select {TENANT}, gen_random_uuid(), '{NEW_DEAL_TITLE}', c.id, s.id, 1250.00, 'USD', s.probability, :user_id::uuid,
         'open', 'direct'
    from app.customers c, app.pipeline_stages s
   where c.tenant_id = {TENANT} and c.id = :customer_id::uuid and s.tenant_id = {TENANT} and s.id = :stage_id::uuid
  returning *),
h as (insert into app.deal_stage_history (tenant_id, id, deal_id, to_stage_id, changed_by)
      select tenant_id, gen_random_uuid(), id, stage_id, owner_id from d),
a as (insert into app.audit_log (tenant_id, id, actor_id, actor_audience, action, entity_type, entity_id, after)
      select tenant_id, gen_random_uuid(), owner_id, 'vendor', 'deal.create', 'Deal', id, to_jsonb(d) - 'tenant_id'
        from d),
o as (insert into app.outbox (tenant_id, id, event_type, entity_type, entity_id, payload, actor_id)
      select tenant_id, gen_random_uuid(), 'deal.created', 'Deal', id, jsonb_build_object('title', title), owner_id
        from d)
select row_to_json(x) from (select d.id, d.title, d.status, d.amount, d.currency,
  (select s.name from app.pipeline_stages s where s.tenant_id = d.tenant_id and s.id = d.stage_id) as stage,
  (select row_to_json(c) from (select c.id, c.name from app.customers c
    where c.tenant_id = d.tenant_id and c.id = d.customer_id) c) as customer from d) x""",
    read_only=False,
    mix_weight=5,
)

SINGLE = (VENDOR_LIST, PARTNER_PORTAL, DEAL_DETAIL, PIPELINE, CREATE_DEAL)
MIX = "mix"
ALL_NAMES = (*(s.name for s in SINGLE), MIX)
BY_NAME = {s.name: s for s in SINGLE}


def parts(name: str) -> list[tuple[Scenario, int]]:
    """(scenario, weight) for a scenario name; the mix is every single scenario at its weight."""
    if name == MIX:
        return [(s, s.mix_weight) for s in SINGLE]
    return [(BY_NAME[name], 1)]


def mint(secret: str, persona: Persona, ttl: dt.timedelta = dt.timedelta(hours=12)) -> str:
    """ChannelGraph's token (same claims as gateway.tokens.TokenService.mint, HS256) plus a `bench` claim with
    the audience, partner and roles, which PostGraphile's pgSettings need; ChannelGraph ignores the extra claim
    and reads the membership from the database as always."""
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": "channelgraph",
        "sub": str(persona.user_id),
        "kind": "tenant",
        "tid": str(persona.tenant_id),
        "iat": now,
        "exp": now + ttl,
        "bench": {
            "audience": persona.audience,
            "partner_id": "" if persona.partner_id is None else str(persona.partner_id),
            "partner_scope": "{" + ",".join(map(str, persona.partner_scope)) + "}" if persona.partner_scope else "",
            "roles": ",".join(persona.roles),
        },
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def requests_for(name: str, system: str, rotation: dict[str, list[RotationEntry]], secret: str) -> list[dict]:
    """The rotation of HTTP requests of a scenario for `channelgraph` or `postgraphile`: authorization and body.

    For the mix, each part's requests are repeated by its weight and interleaved."""
    tokens: dict[Persona, str] = {}
    per_part = []
    for scenario, weight in parts(name):
        entries = rotation[scenario.rotation]
        out = []
        for e in entries:
            token = tokens.setdefault(e.persona, mint(secret, e.persona))
            if system == "postgraphile":
                body = {"query": scenario.pgl_document, "variables": scenario.pgl_variables(e)}
            else:
                body = {"query": scenario.cg_document, "variables": scenario.cg_variables(e)}
            text = json.dumps(body, separators=(",", ":"))
            out.append({"authorization": f"Bearer {token}", "body": text, "uuid": UUID_PLACEHOLDER in text})
        per_part.append((out, weight))
    if len(per_part) == 1:
        return per_part[0][0]
    # Weighted interleave: take `weight` requests of each part per cycle until the longest part is used up.
    mixed: list[dict] = []
    longest = max(len(o) for o, _ in per_part)
    cursor = [0] * len(per_part)
    while min(c for c in cursor) < longest:
        for i, (out, weight) in enumerate(per_part):
            for _ in range(weight):
                mixed.append(out[cursor[i] % len(out)])
                cursor[i] += 1
    return mixed


def bound_sql(scenario: Scenario) -> str:
    """The SQL the raw-SQL bound runs: for a read, ChannelGraph's own compiled statement for the scenario's
    document (PERFORMANCE.md: the ratio then measures everything the gateway adds); for createDeal, the same
    inserts in one statement (`scenario.sql`). The lookup's `$1` becomes pgbench's `:deal_id`, and string
    literals holding `:<name>` are split around the colon (same value, folded at planning) because pgbench
    would read `:<name>` as a variable."""
    if not scenario.read_only:
        return scenario.sql
    from graphql import parse
    from graphql.execution.values import get_variable_values

    from schema.compiled import sql as compiled_sql
    from schema.compiled.planner import Planner
    from schema.schema import build_schema

    schema = build_schema(introspection=False)
    operation = parse(scenario.cg_document).definitions[0]
    sample = {"first": 50} if "$first" in scenario.cg_document else {}
    if "$id" in scenario.cg_document:
        sample = {"id": to_global_id("Deal", uuid.UUID(int=0))}
    values = get_variable_values(schema._schema, operation.variable_definitions or (), sample)
    (root,) = Planner(schema, {}, values).plan(operation).roots
    sql = root.sql.replace("$1", ":deal_id::uuid").replace(compiled_sql.TENANT, compiled_sql.TENANT_SETTING)
    return re.sub(r"'[^']*'", lambda m: re.sub(r":(?=\w)", "' || ':' || '", m.group(0)), sql)


def pgbench_script(scenario: Scenario, size: int) -> str:
    """One pgbench transaction: pick a rotation row, set the identity as ChannelGraph does (one
    `app.set_identity` statement, transaction-local), run the scenario's SQL, commit."""
    begin = "begin;" if not scenario.read_only else "begin transaction read only;"
    identity = (
        "select app.set_identity(tenant_id::uuid, audience, user_id::uuid, nullif(partner_id, '')::uuid, null,"
        " roles, null) as s1, user_id, coalesce(deal_id::text, '') as deal_id,"
        " coalesce(customer_id::text, '') as customer_id, coalesce(stage_id::text, '') as stage_id"
        f" from {REQUESTS} where kind = '{scenario.rotation}' and idx = :i"
    )
    sql = " ".join(line.strip() for line in bound_sql(scenario).splitlines())
    return f"\\set i random(0, {size - 1})\n{begin}\n{identity} \\gset\n{sql};\ncommit;\n"

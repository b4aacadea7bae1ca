"""The benchmark database: roles and migrations (the project's own bootstrap), the seeded bulk load, the
marker that lets a loaded database be reused, and the rotation of personas and ids every system uses.

Bulk load: tenants, their pipeline and users go through the project's services (as the platform and
`system` principals, on the runtime role, like production). The bulk rows are COPYed on the administrative
(superuser) connection, which bypasses row security, with `session_replication_role = replica` (no
foreign-key trigger per row; the generator's rows are consistent, and `check_integrity` verifies it after the
load); then `app.keep_reach` fills what the write path keeps for the row policies (the partner closure
table, the deals' partner touches, the rows' `partner_ids`), as it does after any bulk write.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import asyncpg
from sqlalchemy import text

from authz.principal import Principal
from bench import datagen
from bench.config import DataSpec, RunOptions
from gateway.database import Role, Roles, bootstrap, drop, migrate, plain_url, url_for
from tenants.database import create_engine, session_factory, tenant_session
from tenants.identity.users import create_member
from tenants.platform import provisioning

MARKER = "public.cgbench_dataset"
PERSONAS = "public.cgbench_personas"
REQUESTS = "public.cgbench_requests"
PEER_SCHEMA = "cgbench_peer"
NEW_DEAL_TITLE = "bench new deal"
SAMPLES = 5  # deals (deal detail) and customers (createDeal) per tenant in the rotation


@dataclass(frozen=True)
class Database:
    admin_url: str  # the server's administrative URL, on the bench database
    app_url: str
    owner_url: str
    roles: Roles
    name: str

    @property
    def app_dsn(self) -> str:
        return plain_url(self.app_url)

    @property
    def admin_dsn(self) -> str:
        return plain_url(self.admin_url)


def roles_for(options: RunOptions) -> Roles:
    p = options.role_prefix
    return Roles(owner=Role(f"{p}_owner", None), app=Role(f"{p}_app", None), relay=Role(f"{p}_relay", None))


def database_for(options: RunOptions) -> Database:
    from sqlalchemy import make_url

    from tenants.database import async_url

    roles = roles_for(options)
    admin = make_url(async_url(options.admin_url)).set(database=options.database)
    return Database(
        admin_url=plain_url(admin.render_as_string(hide_password=False)),
        app_url=plain_url(url_for(options.admin_url, roles.app, options.database)),
        owner_url=plain_url(url_for(options.admin_url, roles.owner, options.database)),
        roles=roles,
        name=options.database,
    )


async def prepare(options: RunOptions, spec: DataSpec, log=print) -> Database:
    """Bootstrap, migrate, and load `spec` unless the database already holds exactly it."""
    db = database_for(options)
    if options.reload:
        log(f"--reload: dropping database {db.name!r}")
        await drop(options.admin_url, db.name, db.roles)
    await bootstrap(options.admin_url, db.name, db.roles)
    await migrate(db.owner_url, db.roles)
    marker = await read_marker(db)
    if marker != spec.as_marker():
        if marker is not None or await _has_tenants(db):
            log(f"database {db.name!r} holds another data set ({marker}); rebuilding")
            await drop(options.admin_url, db.name, db.roles)
            await bootstrap(options.admin_url, db.name, db.roles)
            await migrate(db.owner_url, db.roles)
        await load(db, spec, log)
    else:
        log(f"database {db.name!r} already holds this data set (seed {spec.seed}); reusing it (--reload rebuilds)")
    await install_peer_schema(db)
    await cleanup_mutations(db)
    return db


async def read_marker(db: Database) -> dict | None:
    conn = await asyncpg.connect(db.admin_dsn)
    try:
        if not await conn.fetchval("select to_regclass($1) is not null", MARKER):
            return None
        raw = await conn.fetchval(f"select spec from {MARKER} where id = 1")
        return None if raw is None else json.loads(raw)
    finally:
        await conn.close()


async def _has_tenants(db: Database) -> bool:
    conn = await asyncpg.connect(db.admin_dsn)
    try:
        return bool(await conn.fetchval("select count(*) from platform.tenants"))
    finally:
        await conn.close()


async def load(db: Database, spec: DataSpec, log=print) -> None:
    started = time.monotonic()
    engine = create_engine(db.app_url, pool_size=2)
    sessions = session_factory(engine)
    admin = await asyncpg.connect(db.admin_dsn)
    personas = []
    try:
        for index in range(spec.tenants):
            personas.append(await _load_tenant(sessions, admin, spec, index))
            if index == 0 or (index + 1) % 5 == 0 or index + 1 == spec.tenants:
                log(f"  loaded tenant {index + 1}/{spec.tenants} ({time.monotonic() - started:.0f} s)")
        await check_integrity(admin)
        log("  vacuum analyze ...")
        for table in ("partners", "partner_ancestry", "customers", "contacts", "deals", "activities", "users"):
            await admin.execute(f"vacuum analyze app.{table}")
        async with admin.transaction():
            await admin.execute(
                f"create table if not exists {PERSONAS} (tenant_index int primary key, tenant_id uuid not null,"
                " vendor_user_id uuid not null, partner_user_id uuid not null, partner_id uuid not null)"
            )
            await admin.execute(f"truncate {PERSONAS}")
            await admin.executemany(f"insert into {PERSONAS} values ($1, $2, $3, $4, $5)", personas)
            await admin.execute(
                f"create table if not exists {MARKER} (id int primary key, spec jsonb, loaded_at timestamptz)"
            )
            await admin.execute(
                f"insert into {MARKER} values (1, $1::jsonb, now()) on conflict (id) do update"
                " set spec = excluded.spec, loaded_at = excluded.loaded_at",
                json.dumps(spec.as_marker()),
            )
        log(f"data set loaded in {time.monotonic() - started:.0f} s")
    finally:
        await admin.close()
        await engine.dispose()


async def _load_tenant(sessions, admin: asyncpg.Connection, spec: DataSpec, index: int) -> tuple:
    platform = Principal.platform(None)
    slug = f"bench-{index:03d}"
    async with tenant_session(sessions, platform) as s:
        done = await provisioning.provision_tenant(
            s,
            platform,
            slug=slug,
            name=f"Bench tenant {index}",
            admin_email=f"owner@{slug}.example",
            admin_name="Owner",
        )
    tenant_id = done.tenant.id
    system = Principal.system(tenant_id)
    async with tenant_session(sessions, system) as s:
        await s.execute(text("update app.users set status = 'active'"))
        admin_user = await create_member(
            s,
            system,
            email=f"admin@{slug}.example",
            name="Vendor Admin",
            audience="vendor",
            roles=["admin"],
            status="active",
        )
        owners = [done.admin_user_id, admin_user.id]
        for r in range(spec.reps):
            rep = await create_member(
                s,
                system,
                email=f"rep{r}@{slug}.example",
                name=f"Rep {r}",
                audience="vendor",
                roles=["sales_rep"],
                status="active",
            )
            owners.append(rep.id)
        stages = [
            datagen.Stage(row.id, row.name, row.kind, row.probability)
            for row in await s.execute(
                text("select id, name, kind, probability from app.pipeline_stages order by position")
            )
        ]
    plan = datagen.TenantPlan(spec, index, tenant_id, owners, stages)
    async with admin.transaction():
        await admin.execute("set local session_replication_role = replica")
        await _copy(admin, "partners", datagen.PARTNER_COLUMNS, plan.distributor_rows())
        await _copy(admin, "partners", datagen.PARTNER_COLUMNS, plan.reseller_rows())
        await _copy(admin, "customers", datagen.CUSTOMER_COLUMNS, plan.customer_rows())
        await _copy(admin, "contacts", datagen.CONTACT_COLUMNS, plan.contact_rows())
        await _copy(admin, "deals", datagen.DEAL_COLUMNS, plan.deal_rows())
        await _copy(admin, "activities", datagen.ACTIVITY_COLUMNS, plan.activity_rows())
        await admin.execute("select app.set_identity($1, 'system', null, null, null, 'system', null)", tenant_id)
        await admin.execute(KEEP_ALL, tenant_id)
    distributor = plan.distributors[0]
    async with tenant_session(sessions, system) as s:
        partner_admin = await create_member(
            s,
            system,
            email=f"partner-admin@{slug}.example",
            name="Partner Admin",
            audience="partner",
            roles=["partner_admin"],
            partner_id=distributor,
            status="active",
        )
    return (index, tenant_id, admin_user.id, partner_admin.id, distributor)


# Everything the write path keeps for the row policies, for one tenant's bulk-loaded rows (parents first).
KEEP_ALL = """select app.keep_reach(
    array(select id from app.partners where tenant_id = $1 order by parent_id nulls first, id),
    array(select id from app.customers where tenant_id = $1), array(select id from app.deals where tenant_id = $1),
    array(select id from app.contacts where tenant_id = $1), array(select id from app.activities where tenant_id = $1),
    array(select id from app.users where tenant_id = $1), '{}')"""


async def _copy(conn: asyncpg.Connection, table: str, columns: tuple[str, ...], rows) -> None:
    await conn.copy_records_to_table(table, schema_name="app", columns=list(columns), records=rows)


async def check_integrity(conn: asyncpg.Connection) -> None:
    """The foreign keys the replica-mode COPY did not check, and the ancestry `app.keep_reach` filled."""
    checks = {
        "deals without customer": "select count(*) from app.deals d where not exists"
        " (select 1 from app.customers c where c.tenant_id = d.tenant_id and c.id = d.customer_id)",
        "customers with unknown partner": "select count(*) from app.customers c where c.partner_id is not null"
        " and not exists (select 1 from app.partners p where p.tenant_id = c.tenant_id and p.id = c.partner_id)",
        "activities without deal": "select count(*) from app.activities a where a.deal_id is not null and not exists"
        " (select 1 from app.deals d where d.tenant_id = a.tenant_id and d.id = a.deal_id)",
        "partners without ancestry": "select count(*) from app.partners p where not exists (select 1 from"
        " app.partner_ancestry a where a.tenant_id = p.tenant_id and a.descendant_id = p.id and a.depth = 0)",
        "resellers without their distributor": "select count(*) from app.partners p where p.parent_id is not null"
        " and not exists (select 1 from app.partner_ancestry a where a.tenant_id = p.tenant_id"
        " and a.descendant_id = p.id and a.ancestor_id = p.parent_id and a.depth = 1)",
    }
    for label, sql in checks.items():
        bad = await conn.fetchval(sql)
        if bad:
            raise RuntimeError(f"data set integrity: {bad} {label}")


async def install_peer_schema(db: Database) -> None:
    """What PostGraphile needs beyond the tables: the pipeline aggregate as a SQL function (PostGraphile
    has no aggregates without a plugin). SECURITY INVOKER, so the caller's row policies apply."""
    conn = await asyncpg.connect(db.admin_dsn)
    app = db.roles.app.name
    try:
        async with conn.transaction():
            await conn.execute(f"create schema if not exists {PEER_SCHEMA}")
            await conn.execute(f'grant usage on schema {PEER_SCHEMA} to "{app}"')
            if not await conn.fetchval(f"select to_regtype('{PEER_SCHEMA}.stage_total') is not null"):
                await conn.execute(
                    f"create type {PEER_SCHEMA}.stage_total as (stage_id uuid, name text, position smallint,"
                    " kind text, deal_count bigint, amounts jsonb)"
                )
            await conn.execute(
                f"create or replace function {PEER_SCHEMA}.pipeline() returns setof {PEER_SCHEMA}.stage_total"
                f" language sql stable security invoker as $$ {PIPELINE_ROWS_SQL} $$"
            )
            await conn.execute(f'grant execute on function {PEER_SCHEMA}.pipeline() to "{app}"')
    finally:
        await conn.close()


# Per stage: deal count and one sum per currency, within the caller's scope (row policies decide).
PIPELINE_ROWS_SQL = """
select s.id, s.name, s.position, s.kind, coalesce(t.deal_count, 0)::bigint,
       coalesce(t.amounts, '[]'::jsonb)
  from app.pipeline_stages s
  left join lateral (
    select sum(g.n) as deal_count,
           jsonb_agg(jsonb_build_object('amount', g.total, 'currency', g.currency) order by g.currency) as amounts
      from (select d.currency, count(*) as n, sum(d.amount) as total from app.deals d
             where d.tenant_id = s.tenant_id and d.stage_id = s.id and d.archived_at is null
             group by d.currency) g
  ) t on true
 where s.tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid)
 order by s.position
"""


@dataclass(frozen=True)
class Persona:
    tenant_id: uuid.UUID
    audience: str
    user_id: uuid.UUID
    partner_id: uuid.UUID | None
    roles: tuple[str, ...]
    # A partner's scope (its partner and sub-partners), as `app.set_identity` computes it: PostGraphile's
    # static settings need it spelled out.
    partner_scope: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class RotationEntry:
    """One request's identity and ids; the same list drives ChannelGraph, PostGraphile and pgbench."""

    persona: Persona
    deal_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None


async def rotation(db: Database) -> dict[str, list[RotationEntry]]:
    """Per audience kind: `vendor`, `partner`, `deal` (vendor + a deal), `create` (vendor + customer + stage).

    Also written to `public.cgbench_requests` (readable by the runtime role) for pgbench's scripts."""
    conn = await asyncpg.connect(db.admin_dsn)
    try:
        people = await conn.fetch(f"select * from {PERSONAS} order by tenant_index")
        out: dict[str, list[RotationEntry]] = {"vendor": [], "partner": [], "deal": [], "create": []}
        for p in people:
            vendor = Persona(p["tenant_id"], "vendor", p["vendor_user_id"], None, ("admin",))
            scope = await conn.fetch(
                "select descendant_id from app.partner_ancestry where tenant_id = $1 and ancestor_id = $2 order by 1",
                p["tenant_id"],
                p["partner_id"],
            )
            partner = Persona(
                p["tenant_id"],
                "partner",
                p["partner_user_id"],
                p["partner_id"],
                ("partner_admin",),
                tuple(row["descendant_id"] for row in scope),
            )
            out["vendor"].append(RotationEntry(vendor))
            out["partner"].append(RotationEntry(partner))
            deals = await conn.fetch(
                "select id from app.deals where tenant_id = $1 and title <> $2 order by id limit $3",
                p["tenant_id"],
                NEW_DEAL_TITLE,
                SAMPLES,
            )
            out["deal"].extend(RotationEntry(vendor, deal_id=d["id"]) for d in deals)
            stage = await conn.fetchval(
                "select id from app.pipeline_stages where tenant_id = $1 and kind = 'open' order by position limit 1",
                p["tenant_id"],
            )
            customers = await conn.fetch(
                "select id from app.customers where tenant_id = $1 order by id limit $2", p["tenant_id"], SAMPLES
            )
            out["create"].extend(RotationEntry(vendor, customer_id=c["id"], stage_id=stage) for c in customers)
        async with conn.transaction():
            await conn.execute(f"drop table if exists {REQUESTS}")
            await conn.execute(
                f"create table {REQUESTS} (kind text, idx int, tenant_id text, audience text, user_id text,"
                " partner_id text, roles text, deal_id uuid, customer_id uuid, stage_id uuid, primary key (kind, idx))"
            )
            rows = [
                (
                    kind,
                    i,
                    str(e.persona.tenant_id),
                    e.persona.audience,
                    str(e.persona.user_id),
                    "" if e.persona.partner_id is None else str(e.persona.partner_id),
                    ",".join(e.persona.roles),
                    e.deal_id,
                    e.customer_id,
                    e.stage_id,
                )
                for kind, entries in out.items()
                for i, e in enumerate(entries)
            ]
            await conn.executemany(f"insert into {REQUESTS} values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", rows)
            await conn.execute(f'grant select on {REQUESTS} to "{db.roles.app.name}"')
        return out
    finally:
        await conn.close()


async def cleanup_mutations(db: Database) -> int:
    """Remove the deals createDeal runs added (and their history, audit and outbox rows)."""
    conn = await asyncpg.connect(db.admin_dsn)
    try:
        async with conn.transaction():
            ids = "select id from app.deals where title = $1"
            await conn.execute(f"delete from app.deal_stage_history where deal_id in ({ids})", NEW_DEAL_TITLE)
            await conn.execute(f"delete from app.audit_log where entity_id in ({ids})", NEW_DEAL_TITLE)
            await conn.execute(f"delete from app.outbox where entity_id in ({ids})", NEW_DEAL_TITLE)
            status = await conn.execute("delete from app.deals where title = $1", NEW_DEAL_TITLE)
        return int(status.split()[-1])
    finally:
        await conn.close()

"""Generated hostile documents, per audience: never INTERNAL, a 5xx, SQL or a traceback, and a refused
mutation changes nothing (a digest of both tenants' data and of the platform's, before and after).

Each audience runs a fixed seed and a fresh one (printed), within a time budget: about two minutes in all
by default; `CHANNELGRAPH_FUZZ_MINUTES=60` spreads an hour over the audiences (see README, "Fuzzing").
"""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import time
import uuid

import pytest
from sqlalchemy import text

from authz.principal import Principal
from schema.errors import CODES
from schema.relay import to_global_id
from tenants.database import tenant_session
from tenants.identity.api_keys import create_api_key
from tests.fuzz.hostile import literal_documents, shown, variable_documents
from tests.world import World, build_world

pytestmark = pytest.mark.fuzz

# The least destructive first: the audiences share one world per run (building one costs seconds), and an
# owner's accepted mutations (roles reassigned, access revoked) would narrow what the later ones reach.
AUDIENCES = [
    "anonymous",
    "customer",
    "partner_key",
    "dist_admin",
    "support",
    "rep1",
    "sales_manager",
    "channel_manager",
    "admin",
    "owner",
    "platform",
]
MINUTES = float(os.environ.get("CHANNELGRAPH_FUZZ_MINUTES", "1.5"))
SECONDS_EACH = MINUTES * 60 / len(AUDIENCES) / 2  # per audience and seed
FIXED_SEED = 17
BATCH = 24
# What a response must never show: a driver's or the ORM's words, SQL, a Python traceback.
LEAKS = ("Traceback", 'File "', "sqlalchemy", "asyncpg", "psycopg", "SELECT ", "INSERT INTO", "UPDATE app.")
TABLES = (
    "partners customers contacts deals deal_stage_history deal_partners activities users memberships invitations"
    " api_keys pipeline_stages leads lead_contacts lead_assignments lead_tier_rules partner_applications"
    " partner_agreements agreement_acceptances outbox registrations registration_conflicts transfer_jobs"
    " webhook_endpoints webhook_deliveries audit_log policy_rules"
).split()
# Written outside the caller's transaction on purpose (at most once a minute), not by the request's change.
VOLATILE = "'last_used_at'"


async def digest(sessions, tenant_ids: list[uuid.UUID]) -> list[str]:
    """One fingerprint per tenant of every business table, and one of the platform's tenants."""
    found = []
    parts = " || ".join(
        f"(select count(*) || md5(coalesce(string_agg((to_jsonb(t) - {VOLATILE})::text, ',' order by"
        f" (to_jsonb(t) - {VOLATILE})::text), '')) from app.{table} t)"
        for table in TABLES
    )
    for tenant_id in tenant_ids:
        async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
            found.append((await s.execute(text(f"select md5({parts})"))).scalar_one())
    async with tenant_session(sessions, Principal.platform(None), read_only=True) as s:
        tenants = "select md5(coalesce(string_agg(to_jsonb(t)::text, ',' order by t.id), '')) from platform.tenants t"
        found.append((await s.execute(text(tenants))).scalar_one())
    return found


async def world_ids(sessions, world: World) -> list[str]:
    tables = {
        "Partner": "partners",
        "Customer": "customers",
        "Contact": "contacts",
        "Deal": "deals",
        "User": "users",
        "PipelineStage": "pipeline_stages",
        "Activity": "activities",
    }
    found = [to_global_id("Tenant", world.tenant_id)]
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        for type_name, table in tables.items():
            found += [to_global_id(type_name, r[0]) for r in await s.execute(text(f"select id from app.{table}"))]
    return found


@functools.cache
def graphql_schema():
    from schema.schema import build_schema

    return build_schema(introspection=False)._schema


@pytest.fixture(scope="module")
def worlds() -> dict:
    """The run's two tenants, built by the first test that needs them (tokens outlive the app instance)."""
    return {}


async def credentials(app, sessions, world: World, audience: str) -> str | None:
    """The Authorization header of `audience` in `world` (None: anonymous)."""
    if audience == "anonymous":
        return None
    if audience == "partner_key":
        system = Principal.system(world.tenant_id)
        async with tenant_session(sessions, system) as s:
            issued = await create_api_key(
                s,
                system,
                name="fuzz",
                audience="partner",
                roles=["partner_admin"],
                partner_id=world.partners["dist"],
            )
        return f"Bearer {issued.token}"
    if audience == "platform":
        admin_id = uuid.uuid4()
        async with tenant_session(sessions, Principal.platform(None)) as s:
            await s.execute(
                text("insert into platform.admins (id, email, name) values (:id, :email, 'Fuzz')"),
                {"id": admin_id, "email": f"fuzz-{admin_id.hex[:8]}@platform.example"},
            )
        return f"Bearer {app.state.tokens.mint(None, admin_id)}"
    return f"Bearer {world.token(audience)}"


async def send(http, document: str, variables: dict, authorization: str | None) -> tuple[int, str]:
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    response = await http.post(
        "/graphql", content=json.dumps({"query": document, "variables": variables}), headers=headers
    )
    return response.status_code, response.text


def judged(status: int, body: str, document: str, variables: dict, seed_: int) -> dict:
    where = f"(seed {seed_})\n{shown(document, variables)}\n  answer {status}: {body[:1500]}"
    assert status < 500, where
    for leak in LEAKS:
        assert leak not in body, f"{leak!r} in the answer {where}"
    answer = json.loads(body)
    codes = [e.get("extensions", {}).get("code") for e in answer.get("errors", [])]
    assert "INTERNAL" not in codes, where
    assert all(code in CODES for code in codes), where
    return answer


def refused(answer: dict) -> bool:
    data = answer.get("data")
    return bool(answer.get("errors")) and (not data or all(v is None for v in data.values()))


async def fuzz(app, client, reference, sessions, worlds, audience, seed_, seconds, caplog) -> tuple[int, int]:
    schema = graphql_schema()
    world, foreign = worlds["home"], worlds["foreign"]
    if "ids" not in worlds:  # read once: the same ids keep the drawn strategy cached across audiences
        worlds["ids"] = await world_ids(sessions, world) + await world_ids(sessions, foreign)
        variable_documents(schema, worlds["ids"], 1, 0)  # the strategies' first draws, outside the budget
        literal_documents(schema, 1, 0)
    ids = worlds["ids"]
    authorization = await credentials(app, sessions, world, audience)
    tenants = [world.tenant_id, foreign.tenant_id]
    sent = refusals = 0
    current = await digest(sessions, tenants)
    deadline = time.monotonic() + seconds
    batch = 0
    while time.monotonic() < deadline:
        at = seed_ * 1000 + batch
        documents = variable_documents(schema, ids, BATCH, at) + literal_documents(schema, BATCH // 4, at)
        batch += 1
        for document, variables in documents:
            if time.monotonic() >= deadline:
                break
            mutation = document.lstrip().startswith("mutation")
            for http in (client,) if mutation else (client, reference):
                status, body = await send(http, document, variables, authorization)
                answer = judged(status, body, document, variables, at)
                sent += 1
            if mutation:  # a refused one changes nothing; an accepted one moves the baseline on
                after = await digest(sessions, tenants)
                if refused(answer):
                    refusals += 1
                    assert after == current, (
                        f"a refused mutation changed data (seed {at})\n{shown(document, variables)}"
                    )
                current = after
            faults = [r for r in caplog.records if r.levelno >= logging.ERROR]
            assert not faults, f"logged as a fault (seed {at}): {faults[0].getMessage()}\n{shown(document, variables)}"
    await nothing_unrepresentable(sessions, tenants)
    return sent, refusals


async def nothing_unrepresentable(sessions, tenant_ids: list[uuid.UUID]) -> None:
    """What accepted mutations stored is what the edge admits: no amount that is not a finite number (the
    database would take NaN and infinities in a numeric column), no text with NUL or control characters."""
    checks = {
        "deals": "amount in ('NaN', 'Infinity', '-Infinity') or title ~ '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f]'",
        "registrations": "amount in ('NaN', 'Infinity', '-Infinity')",
        "customers": "name ~ '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f]' or length(name) > 200",
    }
    for tenant_id in tenant_ids:
        async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
            for table, condition in checks.items():
                found = (await s.execute(text(f"select count(*) from app.{table} where {condition}"))).scalar_one()
                assert found == 0, f"{table}: {found} rows with values the edge refuses"


@pytest.mark.parametrize("audience", AUDIENCES)
async def test_generated_hostile_documents(app, client, reference, sessions, new_tenant, worlds, audience, caplog):
    caplog.set_level(logging.ERROR)
    for name in ("home", "foreign"):  # the foreign one: another tenant's real ids
        if name not in worlds:
            worlds[name] = await build_world(sessions, new_tenant, app.state.tokens.mint)
    fresh = random.SystemRandom().randrange(1, 10**6)
    for seed_ in (FIXED_SEED, fresh):
        sent, refusals = await fuzz(app, client, reference, sessions, worlds, audience, seed_, SECONDS_EACH, caplog)
        print(f"fuzz {audience}: seed {seed_}, {sent} requests, {refusals} refused mutations, {SECONDS_EACH:.0f} s")

"""Matching keys however a customer is written, and conflict checks that see them.

Every way a customer comes to exist — the service (GraphQL), the bulk import, an approval, the demo seed —
stores the keys `tenants.matching.keys.company_keys` computes; a registration against an imported company
with an open direct deal reports the conflict; similar names in another order or with a typo are found by the
trigram search; and the import writes an audit entry for every row it creates or changes.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from authz.principal import Principal
from tenants.database import tenant_session
from tenants.deals.service import create_deal
from tenants.matching.keys import company_keys
from tenants.transfers.importing import run_import
from tests.api.test_registrations import SUBMIT
from tests.api.test_transfers import upload
from tests.client import gql

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def rows(sessions, tenant_id, sql, **params):
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        return [tuple(r) for r in (await s.execute(text(sql), params)).all()]


async def imported(client, sessions, world, body: bytes) -> uuid.UUID:
    response = await upload(client, "customers", body, world.token("owner"))
    job_id = uuid.UUID(response.json()["id"])
    await run_import(sessions, world.tenant_id, job_id)
    return job_id


async def test_every_customer_carries_the_keys_of_its_name_and_domain(client, sessions, world):
    tag = uuid.uuid4().hex[:6]
    created = await gql(
        client,
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }",
        {"i": {"name": f"Müller Maschinenbau {tag} GmbH", "domain": f"www.mueller-{tag}.de"}},
        token=world.token("owner"),
    )
    assert "errors" not in created, created
    await imported(
        client,
        sessions,
        world,
        f"name,domain\nAkme Robotics {tag} Inc.,shop.akme-{tag}.co.uk\n字节跳动{tag},\n".encode(),
    )
    found = await rows(
        sessions,
        world.tenant_id,
        "select name, domain, name_key, domain_key from app.customers where name like :t",
        t=f"%{tag}%",
    )
    assert len(found) == 3
    for name, domain, name_key, domain_key in found:
        assert {"name_key": name_key, "domain_key": domain_key} == company_keys(name, domain), name
        assert name_key is not None
    # A change of name or domain keeps them: through the service and through a re-import.
    await imported(client, sessions, world, f"name,domain\nAcme Robotics {tag},shop.akme-{tag}.co.uk\n".encode())
    (key,) = await rows(
        sessions, world.tenant_id, "select name_key from app.customers where domain = :d", d=f"shop.akme-{tag}.co.uk"
    )
    assert key == (company_keys(f"Acme Robotics {tag}", None)["name_key"],)


async def test_a_registration_meets_an_imported_customer_with_an_open_direct_deal(client, sessions, world):
    tag = uuid.uuid4().hex[:6]
    await imported(client, sessions, world, f"name,domain\nZorbatron Dynamics {tag},zorbatron-{tag}.example\n".encode())
    (customer_id,) = await rows(
        sessions, world.tenant_id, "select id from app.customers where domain = :d", d=f"zorbatron-{tag}.example"
    )
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        await create_deal(s, system, {"title": "Direct", "customer_id": customer_id[0], "currency": "USD"})
    cases = [
        (f"Zorbatron Dynamics {tag}", f"zorbatron-{tag}.example", "domain"),  # the same domain
        (f"Zorbatron Dynamics {tag} Ltd.", None, "name"),  # the same name, no domain given
        (f"Dynamics Zorbatron {tag}", None, "similar_name"),  # another word order
        (f"Zorbatrix Dynamics {tag}", None, None),  # another word, two letters apart: another company
    ]
    for name, domain, rule in cases:
        body = await gql(
            client,
            SUBMIT,
            {"i": {"companyName": name, "companyDomain": domain, "amount": "100", "product": "Seats"}},
            token=world.token("dist_rep"),
        )
        assert "errors" not in body, body
        conflicts = body["data"]["submitRegistration"]["conflicts"]
        direct = [c for c in conflicts if c["kind"] == "DIRECT_DEAL"]
        assert [c["rule"] for c in direct] == ([rule.upper()] if rule else []), (name, conflicts)


async def test_the_import_audits_every_row_it_creates_or_changes(client, sessions, world):
    tag = uuid.uuid4().hex[:6]
    before = await rows(sessions, world.tenant_id, "select count(*) from app.audit_log where action like 'customer.%'")
    lines = "".join(f"Audited {tag} {i},audited-{tag}-{i}.example\n" for i in range(30))
    await imported(client, sessions, world, f"name,domain\n{lines}".encode())
    changed = f"name,domain\nAudited {tag} renamed,audited-{tag}-0.example\nAudited {tag} 1,audited-{tag}-1.example\n"
    await imported(client, sessions, world, changed.encode())
    entries = await rows(
        sessions,
        world.tenant_id,
        "select action, entity_id, before->>'name', after->>'name' from app.audit_log"
        " where action like 'customer.%' and after->>'name' like :t order by id",
        t=f"Audited {tag}%",
    )
    assert [e[0] for e in entries].count("customer.create") == 30
    updates = [e for e in entries if e[0] == "customer.update"]
    assert [(u[2], u[3]) for u in updates] == [(f"Audited {tag} 0", f"Audited {tag} renamed")]  # unchanged rows: none
    after = await rows(sessions, world.tenant_id, "select count(*) from app.audit_log where action like 'customer.%'")
    assert after[0][0] - before[0][0] == 31

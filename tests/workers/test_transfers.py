"""Bulk import and export: big files in bounded memory, bad rows reported, re-imports change nothing."""

from __future__ import annotations

import asyncio
import tracemalloc
import uuid

import pytest
from sqlalchemy import text

from authz.principal import Principal
from tenants.database import tenant_session
from tenants.transfers.importing import run_import
from tenants.transfers.staging import stage_import
from tests.client import gql
from tests.workers.scenario import wait_until

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def stage(sessions, tenant_id, entity: str, data: bytes, chunk: int = 256 * 1024) -> uuid.UUID:
    async def pieces():
        for start in range(0, len(data), chunk):
            yield data[start : start + chunk]

    system = Principal.system(tenant_id)
    async with tenant_session(sessions, system) as session:
        job = await stage_import(session, system, entity, f"{entity}.csv", pieces())
    return job.id


async def job_row(sessions, tenant_id, job_id) -> dict:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        row = (await s.execute(text("select * from app.transfer_jobs where id = :id"), {"id": job_id})).mappings().one()
        return dict(row)


async def count(sessions, tenant_id, table: str) -> int:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        return (await s.execute(text(f"select count(*) from app.{table}"))).scalar()


def customers_csv(rows: int) -> bytes:
    lines = ["name,domain,industry,size,lifecycle_stage"]
    lines += [f'"Company {i}, Ltd",company{i}.example,Software,11-50,customer' for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


async def test_100k_rows_in_bounded_memory_and_idempotent(sessions, new_tenant):
    tenant = await new_tenant("bulk")
    data = customers_csv(100_000)
    job_id = await stage(sessions, tenant.id, "customers", data, chunk=1 << 20)
    tracemalloc.start()
    try:
        await run_import(sessions, tenant.id, job_id)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    job = await job_row(sessions, tenant.id, job_id)
    assert job["status"] == "finished" and job["processed_rows"] == 100_000
    assert job["created_rows"] == 100_000 and job["error_rows"] == 0
    assert await count(sessions, tenant.id, "customers") == 100_000
    assert peak < 64 << 20, f"peak {peak >> 20} MB for a {len(data) >> 20} MB file"

    again = await stage(sessions, tenant.id, "customers", data, chunk=1 << 20)
    await run_import(sessions, tenant.id, again)
    job = await job_row(sessions, tenant.id, again)
    assert (job["created_rows"], job["updated_rows"], job["unchanged_rows"]) == (0, 0, 100_000)
    assert await count(sessions, tenant.id, "customers") == 100_000


async def test_bad_rows_are_reported_and_the_rest_applied(sessions, new_tenant):
    tenant = await new_tenant("bad")
    data = (
        b"name,domain,industry,size,lifecycle_stage\n"
        b"Good One,good1.example,,,\n"
        b",nameless.example,,,\n"  # record 3: no name
        b'Quoted "Multi\nLine" Inc,quoted.example,,,customer\n'  # a quoted newline is one record (4)
        b"Bad Size,badsize.example,,huge,\n"  # record 5
        b"Good Two,https://www.GOOD2.example/about,,,\n"
        b"Too,many,fields,here,customer,extra\n"  # record 7
    )
    data = data.replace(b'Quoted "Multi\nLine" Inc', b'"Quoted ""Multi\nLine"" Inc"')
    job_id = await stage(sessions, tenant.id, "customers", data, chunk=7)  # records cut across chunks
    await run_import(sessions, tenant.id, job_id)
    job = await job_row(sessions, tenant.id, job_id)
    assert (job["created_rows"], job["error_rows"]) == (3, 3), job
    async with tenant_session(sessions, Principal.system(tenant.id), read_only=True) as s:
        problems = (await s.execute(text("select line, message from app.import_problems order by line"))).all()
        names = set((await s.execute(text("select name from app.customers"))).scalars())
        domains = set((await s.execute(text("select domain from app.customers"))).scalars())
    assert [line for line, _ in problems] == [3, 5, 7]
    assert "name is required" in problems[0][1] and "size" in problems[1][1]
    assert names == {"Good One", 'Quoted "Multi\nLine" Inc', "Good Two"}
    assert "good2.example" in domains  # normalised: scheme, www. and path dropped


async def test_contacts_join_customers_by_domain(sessions, new_tenant):
    tenant = await new_tenant("contacts")
    await run_import(sessions, tenant.id, await stage(sessions, tenant.id, "customers", customers_csv(3)))
    data = (
        b"customer_domain,first_name,last_name,email\n"
        b"company1.example,Ann,Lee,ann@company1.example\n"
        b"nowhere.example,Bob,Ray,bob@nowhere.example\n"
        b"company2.example,Cy,,not-an-email\n"
    )
    job_id = await stage(sessions, tenant.id, "contacts", data)
    await run_import(sessions, tenant.id, job_id)
    job = await job_row(sessions, tenant.id, job_id)
    assert (job["created_rows"], job["error_rows"]) == (1, 2)
    second = await stage(sessions, tenant.id, "contacts", data.replace(b"Lee", b"Leigh"))
    await run_import(sessions, tenant.id, second)
    job = await job_row(sessions, tenant.id, second)
    assert (job["created_rows"], job["updated_rows"]) == (0, 1)
    assert await count(sessions, tenant.id, "contacts") == 1


async def test_a_job_for_one_tenant_cannot_touch_another(sessions, new_tenant):
    a, b = await new_tenant("iso-a"), await new_tenant("iso-b")
    job_b = await stage(sessions, b.id, "customers", customers_csv(5))
    await run_import(sessions, a.id, job_b)  # tenant A's system session cannot even see B's job
    assert await count(sessions, a.id, "customers") == 0
    assert await count(sessions, b.id, "customers") == 0
    assert (await job_row(sessions, b.id, job_b))["status"] == "staged"


async def test_upload_import_and_export_through_the_api_and_a_worker(app, client, sessions, new_tenant, workers_for):
    tenant = await new_tenant("api")
    async with tenant_session(sessions, Principal.system(tenant.id)) as s:
        await s.execute(text("update app.users set status = 'active'"))
    token = app.state.tokens.mint(tenant.id, tenant.admin_id)
    running = workers_for("postgres")
    response = await client.post(
        "/imports/customers?filename=c.csv",
        content=customers_csv(250),
        headers={"authorization": f"Bearer {token}", "content-type": "text/csv"},
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    running.relay().drain()
    assert await wait_until(lambda: _status(sessions, tenant.id, job_id, "finished"), within=60)
    from schema.relay import to_global_id

    progress = await gql(
        client,
        "query($id: ID!) { transferJob(id: $id) { status processedRows createdRows problems { line } } }",
        {"id": to_global_id("TransferJob", uuid.UUID(job_id))},
        token=token,
    )
    assert progress["data"]["transferJob"] == {
        "status": "finished",
        "processedRows": 250,
        "createdRows": 250,
        "problems": [],
    }

    requested = await gql(
        client, 'mutation { requestExport(entity: "customers", format: CSV) { id status } }', token=token
    )
    export_gid = requested["data"]["requestExport"]["id"]
    running.relay().drain()
    await asyncio.sleep(0.2)
    done = await wait_until(lambda: _export_ready(client, token, export_gid), within=60)
    assert done, "the export did not finish"
    download = await client.get(done, headers={"authorization": f"Bearer {token}"})
    lines = download.text.strip().split("\n")
    assert lines[0].startswith("id,name,domain") and len(lines) == 251
    # Someone without the right cannot upload; nothing is staged.
    anonymous = await client.post("/imports/customers", content=b"name\nx\n")
    assert anonymous.status_code == 401


async def _status(sessions, tenant_id, job_id, wanted):
    return (await job_row(sessions, tenant_id, uuid.UUID(job_id)))["status"] == wanted


async def _export_ready(client, token, gid):
    body = await gql(
        client, "query($id: ID!) { transferJob(id: $id) { status downloadPath } }", {"id": gid}, token=token
    )
    return body["data"]["transferJob"]["downloadPath"]

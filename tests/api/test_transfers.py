"""The API side of bulk transfers: requesting exports, uploading imports, reading jobs, downloading files.

`requestExport` and `POST /imports/{entity}` only stage a job (a worker runs it; tests/workers covers
that); here: the job that comes back, who may ask (authz/default_policy.csv, transfer:*), that refused
calls stage nothing, that jobs stay within their tenant, and what `transferJob` shows once a job ran
(run inline with the services, as `--inline` does).
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text

from authz.principal import Audience, Principal
from schema.relay import from_global_id, to_global_id
from tenants.database import tenant_session
from tenants.transfers.exporting import run_export
from tenants.transfers.importing import run_import
from tests.client import codes, gql
from tests.world import build_world, snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

JOB_FIELDS = "id direction entity format status sizeBytes processedRows errorRows finishedAt downloadPath"
EXPORT = f"mutation($e: String!, $f: ExportFormat!) {{ requestExport(entity: $e, format: $f) {{ {JOB_FIELDS} }} }}"
JOB = f"query($id: ID!) {{ transferJob(id: $id) {{ {JOB_FIELDS} }} }}"
JOBS = "query($n: Int!) { transferJobs(first: $n) { id entity } }"
CSV = b"name,domain,industry,size,lifecycle_stage\nAcme,acme.example,,,\n"

EXPORTERS = {"owner", "admin", "channel_manager", "sales_manager"}
IMPORTERS = {"owner", "admin"}


async def state(sessions, tenant_id) -> tuple:
    """The business tables, the jobs and the outbox: a refused call changes none of them."""
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        jobs = (await s.execute(text("select id, status from app.transfer_jobs order by id"))).all()
        events = (await s.execute(text("select count(*) from app.outbox"))).scalar()
    return await snapshot(sessions, tenant_id), [tuple(j) for j in jobs], events


async def upload(client, entity: str, body: bytes, token: str | None = None):
    headers = {"content-type": "text/csv"} | ({"authorization": f"Bearer {token}"} if token else {})
    return await client.post(f"/imports/{entity}?filename=c.csv", content=body, headers=headers)


async def test_request_export_stages_a_job_for_a_worker(client, sessions, world):
    body = await gql(client, EXPORT, {"e": "customers", "f": "JSONL"}, token=world.token("sales_manager"))
    job = body["data"]["requestExport"]
    assert {k: v for k, v in job.items() if k != "id"} == {
        "direction": "export",
        "entity": "customers",
        "format": "jsonl",
        "status": "staged",
        "sizeBytes": 0,
        "processedRows": 0,
        "errorRows": 0,
        "finishedAt": None,
        "downloadPath": None,
    }
    assert (await gql(client, JOB, {"id": job["id"]}, token=world.token("owner")))["data"]["transferJob"] == job
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        events = (
            await s.execute(text("select event_type, payload from app.outbox where entity_type = 'TransferJob'"))
        ).all()
    assert [(e, p["audience"], p["roles"]) for e, p in events] == [("export.requested", "vendor", ["sales_manager"])]

    before = await state(sessions, world.tenant_id)
    for entity in ("users", "audit_log", ""):
        refused = await gql(client, EXPORT, {"e": entity, "f": "CSV"}, token=world.token("owner"))
        assert codes(refused) == ["BAD_USER_INPUT"], entity
    assert await state(sessions, world.tenant_id) == before


async def test_who_may_export_and_read_jobs(client, sessions, world):
    staged = await gql(client, EXPORT, {"e": "deals", "f": "CSV"}, token=world.token("owner"))
    job_id = staged["data"]["requestExport"]["id"]
    for persona in sorted(world.people):
        before = await state(sessions, world.tenant_id)
        body = await gql(client, EXPORT, {"e": "customers", "f": "JSONL"}, token=world.token(persona))
        read = await gql(client, JOB, {"id": job_id}, token=world.token(persona))
        listed = await gql(client, JOBS, {"n": 5}, token=world.token(persona))
        if persona in EXPORTERS:
            assert body["data"]["requestExport"]["status"] == "staged", persona
            assert read["data"]["transferJob"]["id"] == job_id, persona
            assert job_id in {j["id"] for j in listed["data"]["transferJobs"]}, persona
        else:
            assert (codes(body), codes(read), codes(listed)) == (["FORBIDDEN"],) * 3, (persona, body)
            assert await state(sessions, world.tenant_id) == before, persona
    before = await state(sessions, world.tenant_id)
    assert codes(await gql(client, EXPORT, {"e": "customers", "f": "CSV"})) == ["UNAUTHENTICATED"]
    assert codes(await gql(client, JOB, {"id": job_id})) == ["UNAUTHENTICATED"]
    assert await state(sessions, world.tenant_id) == before


async def test_jobs_stay_in_their_tenant_and_list_newest_first(app, client, sessions, new_tenant, world):
    owner = world.token("owner")
    made = []
    for entity in ("customers", "partners", "contacts"):
        made.append((await gql(client, EXPORT, {"e": entity, "f": "CSV"}, token=owner))["data"]["requestExport"]["id"])
    listed = (await gql(client, JOBS, {"n": 2}, token=owner))["data"]["transferJobs"]
    assert listed == [{"id": made[2], "entity": "contacts"}, {"id": made[1], "entity": "partners"}]
    assert [j["id"] for j in (await gql(client, JOBS, {"n": 20}, token=owner))["data"]["transferJobs"]] == made[::-1]

    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    theirs = foreign.token("owner")
    for job_id in made:
        assert codes(await gql(client, JOB, {"id": job_id}, token=theirs)) == ["NOT_FOUND"]
    assert (await gql(client, JOBS, {"n": 20}, token=theirs))["data"]["transferJobs"] == []
    unknown = to_global_id("TransferJob", uuid.uuid4())
    assert codes(await gql(client, JOB, {"id": unknown}, token=owner)) == ["NOT_FOUND"]
    assert codes(await gql(client, JOB, {"id": to_global_id("Customer", world.customers["direct"])}, token=owner)) == [
        "NOT_FOUND"
    ]


async def test_uploads_are_staged_for_importers_only(client, sessions, world):
    response = await upload(client, "customers", CSV, world.token("owner"))
    assert response.status_code == 202, response.text
    staged = response.json()
    assert staged["status"] == "staged" and staged["bytes"] == len(CSV)
    job = await gql(
        client, JOB, {"id": to_global_id("TransferJob", uuid.UUID(staged["id"]))}, token=world.token("admin")
    )
    assert job["data"]["transferJob"]["direction"] == "import"
    assert (job["data"]["transferJob"]["entity"], job["data"]["transferJob"]["sizeBytes"]) == ("customers", len(CSV))

    before = await state(sessions, world.tenant_id)
    for persona in sorted(set(world.people) - IMPORTERS):
        refused = await upload(client, "customers", CSV, world.token(persona))
        assert refused.status_code == 403, persona
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await upload(client, "customers", CSV)
    assert anonymous.status_code == 401 and anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    bad_token = await upload(client, "customers", CSV, "not-a-token")
    assert bad_token.status_code == 401
    for entity, body in (("deals", CSV), ("users", CSV), ("customers", b"")):
        bad = await upload(client, entity, body, world.token("owner"))
        assert bad.status_code == 400 and bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", entity
    assert await state(sessions, world.tenant_id) == before


async def test_an_import_reports_its_problems(client, sessions, world):
    data = (
        b"name,domain,industry,size,lifecycle_stage\n"
        b"Good One,good1.import.example,,,\n"
        b",nameless.import.example,,,\n"
        b"Bad Size,badsize.import.example,,huge,\n"
        b"Good Two,good2.import.example,,,customer\n"
    )
    response = await upload(client, "customers", data, world.token("owner"))
    job_id = uuid.UUID(response.json()["id"])
    await run_import(sessions, world.tenant_id, job_id)
    doc = """query($id: ID!, $n: Int!, $after: Int!) { transferJob(id: $id) {
      status processedRows createdRows errorRows problems(first: $n, afterLine: $after) { line message } } }"""
    gid = to_global_id("TransferJob", job_id)
    job = (await gql(client, doc, {"id": gid, "n": 100, "after": 0}, token=world.token("owner")))["data"]["transferJob"]
    assert (job["status"], job["processedRows"], job["createdRows"], job["errorRows"]) == ("finished", 4, 2, 2)
    assert [p["line"] for p in job["problems"]] == [3, 4]
    assert "name" in job["problems"][0]["message"] and "size" in job["problems"][1]["message"]
    page = await gql(client, doc, {"id": gid, "n": 1, "after": 3}, token=world.token("owner"))
    assert page["data"]["transferJob"]["problems"] == job["problems"][1:]
    names = await gql(
        client,
        '{ customers(first: 10, filter: {search: "import.example"}) { edges { node { name } } } }',
        token=world.token("owner"),
    )
    assert sorted(e["node"]["name"] for e in names["data"]["customers"]["edges"]) == ["Good One", "Good Two"]


async def test_an_export_is_downloaded_by_its_requester_when_finished(client, sessions, world):
    body = await gql(client, EXPORT, {"e": "partners", "f": "JSONL"}, token=world.token("owner"))
    job = body["data"]["requestExport"]
    job_uuid = from_global_id(job["id"], "TransferJob")[1]
    path = f"/exports/{job_uuid}"
    owner = {"authorization": f"Bearer {world.token('owner')}"}
    early = await client.get(path, headers=owner)
    assert early.status_code == 409 and early.json()["errors"][0]["extensions"]["code"] == "CONFLICT"

    requester = Principal(
        Audience.VENDOR, user_id=world.people["owner"].user_id, tenant_id=world.tenant_id, roles=frozenset({"owner"})
    )
    await run_export(sessions, requester, job_uuid)  # what the worker's actor does
    done = (await gql(client, JOB, {"id": job["id"]}, token=world.token("owner")))["data"]["transferJob"]
    assert (done["status"], done["processedRows"], done["downloadPath"]) == ("finished", 3, path)
    got = await client.get(path, headers=owner)
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/x-ndjson")
    assert sorted(json.loads(line)["name"] for line in got.text.splitlines()) == [
        "Contoso",
        "Fabrikam",
        "Northwind",
    ]
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers={"authorization": f"Bearer {world.token('rep1')}"})).status_code == 403
    other = await client.get(path, headers={"authorization": f"Bearer {world.token('admin')}"})
    assert other.status_code == 404  # another user's export is not theirs to fetch


async def _finished_export(client, sessions, world, authorization: str, principal: Principal) -> str:
    body = await gql(client, EXPORT, {"e": "customers", "f": "CSV"}, authorization=authorization)
    job_uuid = from_global_id(body["data"]["requestExport"]["id"], "TransferJob")[1]
    await run_export(sessions, principal, job_uuid)
    return f"/exports/{job_uuid}"


async def test_an_export_is_its_requesters_whether_a_user_or_an_api_key(client, sessions, world):
    """One rule for every credential: an API key downloads the exports it asked for, and no one else's."""
    made = await gql(
        client,
        'mutation { createApiKey(input: {name: "exports", audience: VENDOR, roles: ["channel_manager"]}) { token } }',
        token=world.token("owner"),
    )
    key = f"Bearer {made['data']['createApiKey']['token']}"
    owner = f"Bearer {world.token('owner')}"
    owners = Principal(
        Audience.VENDOR, user_id=world.people["owner"].user_id, tenant_id=world.tenant_id, roles=frozenset({"owner"})
    )
    owners_export = await _finished_export(client, sessions, world, owner, owners)
    key_id = made["data"]["createApiKey"]["token"].split("_")[1]
    keys = Principal(
        Audience.VENDOR, tenant_id=world.tenant_id, roles=frozenset({"channel_manager"}), api_key_id=key_id
    )
    keys_export = await _finished_export(client, sessions, world, key, keys)
    assert (await client.get(owners_export, headers={"authorization": key})).status_code == 404
    assert (await client.get(keys_export, headers={"authorization": owner})).status_code == 404
    assert (await client.get(keys_export, headers={"authorization": key})).status_code == 200
    assert (await client.get(owners_export, headers={"authorization": owner})).status_code == 200
    audited = await gql(
        client, '{ auditLog(first: 10, filter: {action: "export.request"}) { totalCount } }', token=world.token("owner")
    )
    assert audited["data"]["auditLog"]["totalCount"] == 2

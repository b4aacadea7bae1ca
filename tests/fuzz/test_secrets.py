"""No secret created in a test appears where it must not: audit entries (rows and the `auditLog` API), the
outbox, webhook payloads, exports, or any log line (at every level).

The secrets: a webhook endpoint's signing secret, an API key's token and its secret part, an invitation token,
the password set on accepting it and the one tried on a failed sign-in, and the bearer tokens sign-in returns.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import select, text

from authz.principal import Audience, Principal
from schema.relay import from_global_id
from tenants.database import tenant_session
from tenants.outbox.models import OutboxEvent
from tenants.transfers.exporting import run_export
from tenants.webhooks import delivery
from tests.client import gql

pytestmark = pytest.mark.fuzz

PUBLIC = "https://93.184.215.14/hooks/channelgraph"  # a global address: no DNS lookup needed


def created(body: dict, root: str) -> dict:
    assert "errors" not in body, body
    return body["data"][root]


async def test_no_secret_reaches_audit_outbox_webhooks_exports_or_logs(client, sessions, world, caplog):
    caplog.set_level(logging.DEBUG)
    owner = world.token("owner")
    secrets: list[str] = []

    endpoint = created(
        await gql(
            client,
            "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } secret } }",
            {"i": {"url": PUBLIC, "eventTypes": ["*"], "description": "every event"}},
            token=owner,
        ),
        "createWebhookEndpoint",
    )
    secrets.append(endpoint["secret"])
    key = created(
        await gql(
            client,
            'mutation { createApiKey(input: {name: "ci", audience: VENDOR, roles: ["channel_manager"]}) { token } }',
            token=owner,
        ),
        "createApiKey",
    )
    secrets += [key["token"], key["token"].rsplit("_", 1)[1]]
    email = f"new-{uuid.uuid4().hex[:8]}@{world.slug}.example"
    invited = created(
        await gql(
            client,
            "mutation($i: InviteUserInput!) { inviteUser(input: $i) { invitationToken } }",
            {"i": {"email": email, "name": "New", "audience": "VENDOR", "roles": ["sales_manager"]}},
            token=owner,
        ),
        "inviteUser",
    )
    password = "correct horse " + uuid.uuid4().hex
    wrong = "wrong battery " + uuid.uuid4().hex
    secrets += [invited["invitationToken"], password, wrong]
    accepted = created(
        await gql(
            client,
            "mutation($t: String!, $k: String!, $p: String!) { acceptInvitation(tenant: $t, token: $k, password: $p) { token } }",
            {"t": world.slug, "k": invited["invitationToken"], "p": password},
        ),
        "acceptInvitation",
    )
    signed_in = created(
        await gql(
            client,
            "mutation($t: String!, $e: String!, $p: String!) { signIn(tenant: $t, email: $e, password: $p) { token } }",
            {"t": world.slug, "e": email, "p": password},
        ),
        "signIn",
    )
    failed = await gql(
        client,
        "mutation($t: String!, $e: String!, $p: String!) { signIn(tenant: $t, email: $e, password: $p) { token } }",
        {"t": world.slug, "e": email, "p": wrong},
    )
    assert failed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    secrets += [accepted["token"], signed_in["token"]]
    # The key at work: a write (its audit entry and events) and an export it downloads.
    made = await gql(
        client,
        'mutation { createPartner(input: {name: "Keyed", kind: RESELLER}) { partner { id } } }',
        authorization=f"Bearer {key['token']}",
    )
    assert "errors" not in made, made
    job = created(
        await gql(client, 'mutation { requestExport(entity: "partners", format: JSONL) { id } }', token=owner),
        "requestExport",
    )
    job_uuid = from_global_id(job["id"], "TransferJob")[1]
    requester = Principal(
        Audience.VENDOR, user_id=world.people["owner"].user_id, tenant_id=world.tenant_id, roles=frozenset({"owner"})
    )
    await run_export(sessions, requester, job_uuid)
    exported = await client.get(f"/exports/{job_uuid}", headers={"authorization": f"Bearer {owner}"})
    assert exported.status_code == 200

    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:  # the webhook payloads the relay would send
        for event in (await s.execute(select(OutboxEvent))).scalars().all():
            await delivery.plan(s, event)
    places: dict[str, str] = {"export": exported.text}
    async with tenant_session(sessions, system, read_only=True) as s:
        for table in ("audit_log", "outbox", "webhook_deliveries", "transfer_jobs"):
            rows = (await s.execute(text(f"select to_jsonb(t)::text from app.{table} t"))).scalars().all()
            assert rows or table == "transfer_jobs", table
            places[table] = "\n".join(rows)
    payloads = places["webhook_deliveries"]
    assert "partner.created" in payloads or "partner" in payloads  # the deliveries exist and carry events
    audit_api = await gql(client, "{ auditLog(first: 100) { edges { node { action before after } } } }", token=owner)
    assert "errors" not in audit_api, audit_api
    places["auditLog API"] = str(audit_api)
    places["logs"] = "\n".join(
        record.getMessage() + (f"\n{record.exc_text}" if record.exc_text else "") for record in caplog.records
    )
    assert "Keyed" in places["audit_log"] and places["webhook_deliveries"]  # the scan reads real content
    leaks = [(secret[:8] + "...", where) for secret in secrets for where, found in places.items() if secret in found]
    assert not leaks, leaks

"""Who downloads a finished export, whatever the credential: its requester only — a user or an API key —
and no one else: another user or key of the tenant with the right to export gets NOT_FOUND (it is not theirs),
a role without it FORBIDDEN, a partner or customer FORBIDDEN, another tenant NOT_FOUND, no credentials
UNAUTHENTICATED. Every vendor role, as a user and as a key, against exports requested by users and keys."""

from __future__ import annotations

import pytest

from authz.principal import Audience, Principal
from schema.relay import from_global_id
from tenants.database import tenant_session
from tenants.identity.api_keys import create_api_key
from tenants.transfers.exporting import run_export
from tests.client import gql
from tests.world import VENDOR_ROLES, World, build_world

pytestmark = pytest.mark.asyncio(loop_scope="session")

EXPORTERS = {"owner", "admin", "channel_manager", "sales_manager"}  # transfer:export (authz/default_policy.csv)
ROLE_OF = {"owner": "owner", "admin": "admin", "channel_manager": "channel_manager", "sales_manager": "sales_manager",
           "rep1": "sales_rep", "support": "support"}  # fmt: skip


async def key_for(sessions, world: World, audience: str, roles: list[str], partner=None) -> tuple[str, str]:
    """A key's Authorization header and its key id."""
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        issued = await create_api_key(s, system, name="downloads", audience=audience, roles=roles, partner_id=partner)
    return f"Bearer {issued.token}", issued.key.key_id


async def test_only_the_requester_downloads_an_export(app, client, sessions, world, new_tenant):
    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    credentials: dict[str, str | None] = {"anonymous": None}
    principals: dict[str, Principal] = {}
    for persona, role in ROLE_OF.items():
        user = world.people[persona]
        credentials[f"user:{role}"] = f"Bearer {user.token}"
        principals[f"user:{role}"] = Principal(
            Audience.VENDOR, user_id=user.user_id, tenant_id=world.tenant_id, roles=frozenset({role})
        )
        header, key_id = await key_for(sessions, world, "vendor", [role])
        credentials[f"key:{role}"] = header
        principals[f"key:{role}"] = Principal(
            Audience.VENDOR, tenant_id=world.tenant_id, roles=frozenset({role}), api_key_id=key_id
        )
    credentials["user:partner_admin"] = f"Bearer {world.token('dist_admin')}"
    credentials["key:partner_admin"] = (
        await key_for(sessions, world, "partner", ["partner_admin"], world.partners["dist"])
    )[0]
    credentials["user:customer"] = f"Bearer {world.token('customer')}"
    credentials["other tenant: user:owner"] = f"Bearer {foreign.token('owner')}"
    credentials["other tenant: key:owner"] = (await key_for(sessions, foreign, "vendor", ["owner"]))[0]

    exports = {}
    for requester in ("user:owner", "user:sales_manager", "key:owner", "key:channel_manager"):
        body = await gql(
            client,
            'mutation { requestExport(entity: "customers", format: CSV) { id } }',
            authorization=credentials[requester],
        )
        assert "errors" not in body, (requester, body)
        job_uuid = from_global_id(body["data"]["requestExport"]["id"], "TransferJob")[1]
        await run_export(sessions, principals[requester], job_uuid)
        exports[requester] = f"/exports/{job_uuid}"

    failures = []
    for requester, path in exports.items():
        for caller, header in credentials.items():
            role = caller.split(":")[-1]
            if caller == requester:
                expected = 200
            elif header is None:
                expected = 401
            elif caller.startswith("other tenant"):
                expected = 404
            elif role not in EXPORTERS:
                expected = 403
            else:
                expected = 404
            got = await client.get(path, headers={} if header is None else {"authorization": header})
            if got.status_code != expected:
                failures.append(f"export of {requester}, downloaded by {caller}: {got.status_code}, not {expected}")
            elif expected == 200:
                assert got.text.startswith("id,name,"), got.text[:100]
    assert not failures, "\n".join(failures)
    assert set(ROLE_OF.values()) == set(VENDOR_ROLES)

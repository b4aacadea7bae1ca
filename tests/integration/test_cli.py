"""The operator's command line against the test database: provisioning, listing, suspension."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text

from authz.principal import Principal
from tenants.database import tenant_session

pytestmark = pytest.mark.asyncio(loop_scope="session")


def channelgraph(database, *args: str, owner: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANNELGRAPH_")}
    env["CHANNELGRAPH_DATABASE_URL"] = database.app_url
    if owner:
        env["CHANNELGRAPH_MIGRATIONS_DATABASE_URL"] = database.owner_url
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


async def status_of(sessions, slug: str) -> str | None:
    async with tenant_session(sessions, Principal.platform(None), read_only=True) as s:
        return (await s.execute(text("select status from platform.tenants where slug = :s"), {"s": slug})).scalar()


async def test_tenants_create_list_suspend_reactivate(database, sessions):
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    created = channelgraph(database, "tenants", "create", slug, "--name", "Via CLI", "--admin-email", "ops@cli.example")
    assert created.returncode == 0, created.stderr
    assert "cgi_" in created.stdout  # the first admin's one-time invitation
    assert await status_of(sessions, slug) == "active"

    listed = channelgraph(database, "tenants", "list")
    assert listed.returncode == 0 and any(line.split()[0] == slug for line in listed.stdout.splitlines())

    assert channelgraph(database, "tenants", "suspend", slug).returncode == 0
    assert await status_of(sessions, slug) == "suspended"
    assert channelgraph(database, "tenants", "reactivate", slug).returncode == 0
    assert await status_of(sessions, slug) == "active"


async def test_cli_errors_are_clear_and_change_nothing(database, sessions):
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    assert (
        channelgraph(database, "tenants", "create", slug, "--name", "X", "--admin-email", "a@x.example").returncode == 0
    )
    again = channelgraph(database, "tenants", "create", slug, "--name", "Y", "--admin-email", "b@x.example")
    assert again.returncode == 2 and "exists" in again.stderr and "Traceback" not in again.stderr
    bad = channelgraph(database, "tenants", "create", "No Good", "--name", "Y", "--admin-email", "b@x.example")
    assert bad.returncode == 2 and "slug" in bad.stderr
    missing = channelgraph(database, "tenants", "suspend", f"nope-{uuid.uuid4().hex[:6]}")
    assert missing.returncode == 2 and "no tenant" in missing.stderr
    # `token` is a development tool: refused without development mode.
    refused = channelgraph(database, "token", "--tenant", slug, "--email", "a@x.example")
    assert refused.returncode == 2 and "CHANNELGRAPH_DEV" in refused.stderr
    assert await status_of(sessions, slug) == "active"


async def test_db_distribute_refuses_plain_postgresql(database):
    refused = channelgraph(database, "db", "distribute", owner=True)
    assert refused.returncode == 2 and "no Citus extension" in refused.stderr and "Traceback" not in refused.stderr

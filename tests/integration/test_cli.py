"""The operator's command line: provisioning, listing, suspension against the test database; every command's help;
argument errors before any database starts; a busy port; the settings in effect; an import's bad rows."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text

from authz.principal import Principal
from tenants.database import tenant_session


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


COMMANDS = [
    [],
    ["serve"],
    ["worker"],
    ["migrate"],
    ["db"],
    ["db", "init"],
    ["tenants"],
    ["tenants", "create"],
    ["tenants", "list"],
    ["tenants", "suspend"],
    ["tenants", "reactivate"],
    ["token"],
    ["demo"],
    ["import"],
    ["settings"],
]


def bare(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The command line with no database configured: the embedded default in a data directory of its own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHANNELGRAPH_")}
    clean["CHANNELGRAPH_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "channelgraph")
def test_every_command_explains_itself(tmp_path, command):
    done = bare(tmp_path, *command, "--help")
    assert done.returncode == 0, done.stderr
    usage = done.stdout.split("\n", 1)[0]
    assert usage.startswith("usage: channelgraph" + "".join(f" {word}" for word in command)), usage
    # Every option says what it is (an option line without a help text ends right after its name).
    options = done.stdout.split("options:", 1)[1]
    for line in options.splitlines():
        stripped = line.strip()
        if stripped.startswith("-") and "  " not in stripped:
            following = options.split(line, 1)[1].splitlines()[1:2]
            assert following and following[0].startswith(" " * 10), f"{line!r} has no help"
    assert not (tmp_path / "data").exists()  # nothing started


def test_serve_options_say_their_defaults(tmp_path):
    done = bare(tmp_path, "serve", "--help", CHANNELGRAPH_PORT="8123")
    text_ = " ".join(done.stdout.split())
    assert "CHANNELGRAPH_HOST, now 127.0.0.1" in text_ and "CHANNELGRAPH_PORT, now 8123" in text_


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["token"], "--tenant SLUG --email EMAIL"),
        (["token", "--tenant", "acme"], "--tenant SLUG --email EMAIL"),
        (["token", "--platform", "--tenant", "acme"], "exclude each other"),
        (["import", "no-such-file.csv", "--tenant", "acme", "--entity", "customers"], "no file"),
        (["import", "x.csv", "--tenant", "acme", "--entity", "deals"], "invalid choice"),
        (["serve", "--port", "70000"], "1-65535"),
        (["worker", "--threads", "0"], "at least 1"),
        (["tenants", "create", "acme"], "--name"),
    ],
)
def test_argument_errors_come_before_any_database(tmp_path, args, says):
    done = bare(tmp_path, *args)
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()  # no embedded PostgreSQL was started


def test_serve_refuses_a_busy_port_before_starting_anything(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = bare(tmp_path, "serve", "--demo", "--port", str(port))
    assert done.returncode == 2 and f"127.0.0.1:{port} is in use" in done.stderr, done.stderr
    assert not (tmp_path / "data").exists()


def test_settings_show_the_values_in_effect(tmp_path):
    embedded = bare(tmp_path, "settings")
    assert embedded.returncode == 0
    lines = embedded.stdout.splitlines()
    assert "CHANNELGRAPH_DEV=True  (on by default on the embedded database)" in lines
    secret = next(line for line in lines if line.startswith("CHANNELGRAPH_JWT_SECRET="))
    assert secret.startswith("CHANNELGRAPH_JWT_SECRET=********  (generated, kept in ")
    configured = bare(
        tmp_path,
        "settings",
        CHANNELGRAPH_DATABASE_URL="postgresql://app:hunter2@db.internal/cg",
        CHANNELGRAPH_JWT_SECRET="s3cret-value",
        CHANNELGRAPH_PORT="9000",
    )
    lines = configured.stdout.splitlines()
    assert "CHANNELGRAPH_DEV=False  (default)" in lines
    assert "CHANNELGRAPH_PORT=9000  (environment)" in lines
    assert "CHANNELGRAPH_DATABASE_URL=********  (environment)" in lines
    assert "hunter2" not in configured.stdout and "s3cret-value" not in configured.stdout
    assert not (tmp_path / "data").exists()


async def test_import_prints_the_job_and_its_bad_rows_and_fails(database, new_tenant, tmp_path):
    tenant = await new_tenant("cli-import")
    rows = tmp_path / "customers.csv"
    rows.write_bytes(
        b"name,domain,industry,size,lifecycle_stage\n"
        b"Good One,good1.example,,,\n"
        b",nameless.example,,,\n"
        b"Bad Size,badsize.example,,huge,\n"
    )
    done = channelgraph(database, "import", str(rows), "--tenant", tenant.slug, "--entity", "customers", "--inline")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "import job " in done.stderr  # the id, as soon as the rows are staged
    summary = done.stdout.splitlines()
    assert summary[0].startswith("import ") and "finished" in summary[0] and "created 1" in summary[0]
    assert "failed 2" in summary[0]
    assert summary[1].startswith("  line 3: ") and "name is required" in summary[1]
    assert summary[2].startswith("  line 4: ") and "size" in summary[2]

    good = tmp_path / "good.csv"
    good.write_bytes(b"name,domain,industry,size,lifecycle_stage\nGood Two,good2.example,,,\n")
    done = channelgraph(database, "import", str(good), "--tenant", tenant.slug, "--entity", "customers", "--inline")
    assert done.returncode == 0 and "failed 0" in done.stdout, (done.stdout, done.stderr)


async def test_db_distribute_refuses_plain_postgresql(database):
    refused = channelgraph(database, "db", "distribute", owner=True)
    assert refused.returncode == 2 and "no Citus extension" in refused.stderr and "Traceback" not in refused.stderr

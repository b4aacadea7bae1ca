"""What the CLI's commands do, on an open runtime. Operators act as the platform principal."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.principal import Principal
from gateway.database import bootstrap
from gateway.database import migrate as run_migrations
from gateway.runtime import Runtime
from gateway.tokens import TokenService
from tenants.database import create_engine, session_factory, tenant_session
from tenants.errors import DomainError
from tenants.identity.users import find_user_by_email
from tenants.platform import provisioning
from tenants.platform.models import PlatformAdmin, Tenant

OPERATOR = Principal.platform(None)
DEV_TOKEN_TTL = dt.timedelta(days=7)


class CommandFailed(Exception):
    pass


async def migrate(runtime: Runtime) -> None:
    await run_migrations(runtime.owner_url, runtime.roles)


async def distribute(runtime: Runtime) -> str:
    """`db distribute`: reference and distributed tables on a Citus cluster (gateway/distribution.py)."""
    from gateway.distribution import NotCitus
    from gateway.distribution import distribute as spread

    try:
        done = await spread(runtime.owner_url)
    except NotCitus as error:
        raise CommandFailed(str(error)) from None
    return (
        f"{len(done.reference)} reference tables and {len(done.distributed)} distributed tables made;"
        f" {len(done.already)} already in place"
    )


async def init_database(runtime: Runtime) -> None:
    await bootstrap(runtime.admin_url, runtime.settings.database_name, runtime.roles)
    if runtime.owner_url:
        await run_migrations(runtime.owner_url, runtime.roles)


class _Sessions:
    """A short-lived engine for one command."""

    def __init__(self, runtime: Runtime) -> None:
        self.engine = create_engine(runtime.app_url, pooled=False)

    async def __aenter__(self) -> async_sessionmaker[AsyncSession]:
        return session_factory(self.engine)

    async def __aexit__(self, *exc) -> None:
        await self.engine.dispose()


async def create_tenant(runtime: Runtime, **fields) -> provisioning.Provisioned:
    async with _Sessions(runtime) as sessions, tenant_session(sessions, OPERATOR) as session:
        try:
            return await provisioning.provision_tenant(session, OPERATOR, **fields)
        except DomainError as error:
            raise CommandFailed(error.message) from None


async def list_tenants(runtime: Runtime) -> list[Tenant]:
    async with _Sessions(runtime) as sessions, tenant_session(sessions, OPERATOR, read_only=True) as session:
        return list((await session.execute(provisioning.TENANTS.select({}).order_by(Tenant.slug))).scalars())


async def set_tenant_status(runtime: Runtime, slug: str, status: str) -> Tenant:
    async with _Sessions(runtime) as sessions, tenant_session(sessions, OPERATOR) as session:
        tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug.lower()))).scalar_one_or_none()
        if tenant is None:
            raise CommandFailed(f"no tenant {slug!r}")
        return await provisioning.set_tenant_status(session, OPERATOR, tenant.id, status)


def _dev_tokens(runtime: Runtime) -> TokenService:
    settings = runtime.settings
    if not settings.dev or not settings.jwt_secret:
        raise CommandFailed("development tokens need CHANNELGRAPH_DEV=1 and a JWT secret (CHANNELGRAPH_JWT_SECRET)")
    return TokenService(secret=settings.jwt_secret, issuer=settings.jwt_issuer)


async def mint_dev_token(runtime: Runtime, *, tenant: str | None, email: str | None, platform: bool) -> str:
    tokens = _dev_tokens(runtime)
    async with _Sessions(runtime) as sessions:
        if platform:
            async with tenant_session(sessions, OPERATOR, read_only=True) as session:
                stmt = select(PlatformAdmin).where(PlatformAdmin.status == "active").order_by(PlatformAdmin.created_at)
                if email:
                    stmt = stmt.where(func.lower(PlatformAdmin.email) == email.lower())
                admin = (await session.execute(stmt.limit(1))).scalar_one_or_none()
            if admin is None:
                raise CommandFailed("no such platform admin (`channelgraph demo` creates one)")
            return tokens.mint(None, admin.id, ttl=DEV_TOKEN_TTL)
        if not tenant or not email:
            raise CommandFailed("name the tenant and the user: --tenant SLUG --email EMAIL (or --platform)")
        found = await provisioning.find_tenant(sessions, tenant)
        if found is None:
            raise CommandFailed(f"no tenant {tenant!r}")
        async with tenant_session(sessions, Principal.system(found.id), read_only=True) as session:
            user = await find_user_by_email(session, email)
        if user is None:
            raise CommandFailed(f"no user {email!r} in {tenant!r}")
        return tokens.mint(found.id, user.id, ttl=DEV_TOKEN_TTL)


@dataclass(frozen=True)
class DemoLogin:
    tenant: str
    email: str
    audience: str
    roles: list[str]
    token: str

    def as_dict(self) -> dict:
        return {
            "tenant": self.tenant,
            "email": self.email,
            "audience": self.audience,
            "roles": self.roles,
            "token": self.token,
        }


async def seed_demo(runtime: Runtime) -> list[DemoLogin]:
    from tenants import demo

    tokens = _dev_tokens(runtime)
    async with _Sessions(runtime) as sessions:
        users = await demo.seed(sessions)
    return [
        DemoLogin(
            u.tenant_slug,
            u.email,
            u.audience,
            list(u.roles),
            tokens.mint(u.tenant_id, u.user_id, ttl=DEV_TOKEN_TTL),
        )
        for u in users
    ]


PROBLEMS_SHOWN = 50


@dataclass(frozen=True)
class ImportDone:
    job: Any  # the TransferJob as it ended
    problems: list[tuple[int, str]]  # (line, message), the first PROBLEMS_SHOWN


async def import_file(runtime: Runtime, *, path: Path, tenant: str, entity: str, inline: bool) -> ImportDone:
    """Stage a CSV for a tenant (as its `system` principal) and follow the job with a progress bar.

    With `inline`, this process runs the import itself; otherwise a running `channelgraph worker` does.
    """
    from gateway import progress
    from tenants.transfers.importing import run_import
    from tenants.transfers.models import ImportProblem, TransferJob
    from tenants.transfers.staging import stage_import

    file, total = await asyncio.to_thread(_count_rows, path)

    async def read() -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(file.open, "rb")
        try:
            while piece := await asyncio.to_thread(handle.read, 1 << 20):
                yield piece
        finally:
            handle.close()

    async with _Sessions(runtime) as sessions:
        found = await provisioning.find_tenant(sessions, tenant)
        if found is None:
            raise CommandFailed(f"no tenant {tenant!r}")
        system = Principal.system(found.id)
        try:
            async with tenant_session(sessions, system) as session:
                job = await stage_import(session, system, entity, file.name, read())
        except DomainError as error:
            raise CommandFailed(error.message) from None
        progress.console.print(f"import job {job.id}: {total} rows of {entity} staged for {tenant}")
        if not inline:
            progress.console.print("waiting for a worker (`channelgraph worker`, or the server in development mode)")
        runner = asyncio.create_task(run_import(sessions, found.id, job.id)) if inline else None
        with progress.rows() as bar:
            task = bar.add_task("importing", total=total, counts="")
            while True:
                async with tenant_session(sessions, system, read_only=True) as session:
                    job = await session.get(TransferJob, (found.id, job.id))
                counts = (
                    f"created {job.created_rows} updated {job.updated_rows} unchanged {job.unchanged_rows}"
                    f" failed {job.error_rows}"
                )
                bar.update(task, completed=job.processed_rows, counts=counts)
                if job.status in ("finished", "failed"):
                    break
                await asyncio.sleep(0.5)
        if runner is not None:
            await runner
        async with tenant_session(sessions, system, read_only=True) as session:
            problems = (
                await session.execute(
                    select(ImportProblem.line, ImportProblem.message)
                    .where(ImportProblem.tenant_id == found.id, ImportProblem.job_id == job.id)
                    .order_by(ImportProblem.line)
                    .limit(PROBLEMS_SHOWN)
                )
            ).all()
        return ImportDone(job, [(line, message) for line, message in problems])


def _count_rows(path: Path) -> tuple[Path, int]:
    file = Path(path)
    if not file.is_file():
        raise CommandFailed(f"no file {path!r}")
    with file.open("rb") as handle:
        return file, max(sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)

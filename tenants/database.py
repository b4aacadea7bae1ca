"""Engines and the one place a unit of work is opened: `tenant_session`.

Every unit of work is one transaction whose first statement sets the caller's identity, transaction-locally
(`app.set_identity`: `SET LOCAL` of each setting, which Citus also forwards to its workers), so a pooled
connection never carries one tenant's identity into another's request (docs/architecture.md, rule 3).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.pool import NullPool

from authz.principal import Audience, Principal
from tenants import models as _all_models  # noqa: F401 - every mapper known before the first flush
from tenants import reach as _reach  # noqa: F401 - the write path keeps what the row policies read
from tenants.base import TenantScoped

# One statement sets the whole identity (`SET LOCAL` each setting, and a partner's scope): see migration 0009.
SET_IDENTITY = text(
    "select app.set_identity(cast(:tenant_id as uuid), :audience, cast(:user_id as uuid),"
    " cast(:partner_id as uuid), cast(:customer_id as uuid), :roles, :api_key_id)"
)


def async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use the asyncpg driver."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    return url


def create_engine(url: str, *, pool_size: int = 10, pooled: bool = True) -> AsyncEngine:
    options: dict[str, Any] = {"pool_pre_ping": False}
    if pooled:
        # A fixed pool: a request waits for a connection rather than opening (and closing) an overflow one,
        # which costs a connection set-up and re-preparing its statements on every burst.
        options.update(pool_size=pool_size, max_overflow=0, pool_recycle=1800)
    else:
        options["poolclass"] = NullPool
    return create_async_engine(
        async_url(url),
        # JIT off: the runtime's statements are short, and a plan whose cost crosses the JIT thresholds (a
        # large tenant's list under its row policies) spent ~1 s compiling for a 30 ms query when measured.
        connect_args={"server_settings": {"application_name": "channelgraph", "jit": "off"}},
        **options,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


def identity_params(principal: Principal, *, audience: Audience | None = None) -> dict[str, Any]:
    """The identity's values, typed (uuids stay uuids; the database checks the audience by name)."""
    return {
        "tenant_id": principal.tenant_id,
        "audience": str(audience or principal.audience),
        "user_id": principal.user_id,
        "partner_id": principal.partner_id,
        "customer_id": principal.customer_id,
        "roles": ",".join(sorted(principal.roles)),
        "api_key_id": principal.api_key_id,
    }


def _act_as(session: AsyncSession, principal: Principal) -> None:
    session.sync_session.info["tenant_id"] = principal.tenant_id


@event.listens_for(Session, "do_orm_execute")
def _name_the_tenant(state: ORMExecuteState) -> None:
    """Every ORM read, update and delete of tenant rows names the session's tenant as a bound value.

    The row policy's equality reads a setting, which Citus cannot prune shards by: without a tenant condition
    of its own a statement runs on every shard. With one it runs on the tenant's shard (a plain PostgreSQL
    uses it for indexes). The policy still decides which rows pass; this only narrows where to look.
    """
    tenant = state.session.info.get("tenant_id")
    if tenant is None or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # loads of rows already read carry their primary key (tenant_id included)
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant, include_aliases=True)
    )


@asynccontextmanager
async def tenant_session(
    sessions: async_sessionmaker[AsyncSession], principal: Principal, *, read_only: bool = False
) -> AsyncIterator[AsyncSession]:
    """Open a transaction as `principal`, yield its session, commit on success, roll back on error."""
    async with sessions() as session:
        # The first use begins the transaction; a read-only one is `BEGIN READ ONLY` in one statement.
        await session.connection(execution_options={"postgresql_readonly": read_only})
        try:
            await session.execute(SET_IDENTITY, identity_params(principal))
            _act_as(session, principal)
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


_IDENTITY_KEYS = ("tenant_id", "audience", "user_id", "partner_id", "customer_id", "roles", "api_key_id")
_SET_IDENTITY_POSITIONAL = "select app.set_identity($1, $2, $3, $4, $5, $6, $7)"


@asynccontextmanager
async def driver_transaction(
    engine: AsyncEngine, principal: Principal, *, read_only: bool = True
) -> AsyncIterator[Any]:
    """A transaction as `principal` on a pooled connection (read-only unless asked), yielded as the driver's
    (asyncpg) connection: the same identity round as `tenant_session`, without the ORM session around it. For
    the compiled read path, which only runs prepared statements that return text, and the lean write path
    (`tenants.deals.writes`): committed when the block ends, rolled back when it raises."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        if driver is None:  # only an invalidated connection has none, and this one was just checked out
            raise RuntimeError("the pooled connection has no driver connection")
        async with driver.transaction(readonly=read_only):
            params = identity_params(principal)
            await driver.fetchval(_SET_IDENTITY_POSITIONAL, *(params[key] for key in _IDENTITY_KEYS))
            yield driver


async def driver_of(session: AsyncSession) -> Any:
    """The driver's (asyncpg) connection under `session`, in its transaction: for the lean write path's
    statements inside a unit of work the ORM opened (flushed first, so they see its pending rows)."""
    await session.flush()
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("the session's connection has no driver connection")
    return driver


@asynccontextmanager
async def acting_for(
    session: AsyncSession, principal: Principal, tenant_id: uuid.UUID, reason: str
) -> AsyncIterator[None]:
    """The only way a platform principal touches `app`: an audited step as `system` for one tenant.

    Inside the caller's transaction, records the step in `platform.audit_log`, switches the
    transaction-local identity to the tenant's `system` audience, and switches back on exit.
    """
    if principal.audience is not Audience.PLATFORM:
        raise PermissionError("only a platform principal acts for a tenant")
    await session.execute(
        text(
            "insert into platform.audit_log (id, actor_id, action, tenant_id, detail)"
            " values (:id, :actor, 'acting_for', :tenant, jsonb_build_object('reason', cast(:reason as text)))"
        ),
        {"id": uuid.uuid4(), "actor": principal.user_id, "tenant": tenant_id, "reason": reason},
    )
    await session.execute(SET_IDENTITY, identity_params(Principal.system(tenant_id)))
    _act_as(session, Principal.system(tenant_id))
    yield
    # On an error the transaction rolls back and the settings with it; on success, step back out.
    await session.execute(SET_IDENTITY, identity_params(principal))
    _act_as(session, principal)


@asynccontextmanager
async def system_step(session: AsyncSession, principal: Principal) -> AsyncIterator[None]:
    """Act as the tenant's `system` inside the caller's transaction, then step back to the caller.

    For the few writes a caller's row policies rightly forbid but its request implies (a partner's
    answer to a lead offer moving the lead on to the next partner). Whatever runs inside must return
    only what the caller may know.
    """
    await session.execute(SET_IDENTITY, identity_params(Principal.system(principal.require_tenant())))
    yield
    # On an error the transaction rolls back and the settings with it.
    await session.execute(SET_IDENTITY, identity_params(principal))

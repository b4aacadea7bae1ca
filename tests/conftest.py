"""Shared fixtures: a fresh database per run, connected as the runtime role so RLS is really exercised.

The database lives on CHANNELGRAPH_TEST_DATABASE_URL's server (an administrative URL) when set,
otherwise on an embedded PostgreSQL in a temporary directory. Role and database names are unique per
run (roles are cluster-wide) and everything is dropped at the end. Tests isolate themselves by
creating their own tenants; nothing depends on another test's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio

from authz.principal import Principal
from gateway.database import Role, Roles, bootstrap, drop, migrate, url_for
from gateway.settings import Settings
from tenants.database import create_engine, session_factory, tenant_session
from tenants.platform import provisioning

RUN = uuid.uuid4().hex[:10]
JWT_SECRET = "test-secret-" + uuid.uuid4().hex


@dataclass(frozen=True)
class TestDatabase:
    admin_url: str
    name: str
    roles: Roles
    app_url: str
    owner_url: str


@pytest.fixture(scope="session")
def admin_url(tmp_path_factory) -> str:
    configured = os.environ.get("CHANNELGRAPH_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    from gateway.embedded import EmbeddedDatabase

    embedded = EmbeddedDatabase(tmp_path_factory.mktemp("pg"))
    try:
        yield embedded.start()
    finally:
        embedded.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database(admin_url: str) -> AsyncIterator[TestDatabase]:
    roles = Roles(
        owner=Role(f"cgt_{RUN}_owner", None),
        app=Role(f"cgt_{RUN}_app", None),
        relay=Role(f"cgt_{RUN}_relay", None),
    )
    name = f"cgt_{RUN}"
    await bootstrap(admin_url, name, roles)
    try:
        owner_url = url_for(admin_url, roles.owner, name)
        await migrate(owner_url, roles)
        yield TestDatabase(admin_url, name, roles, url_for(admin_url, roles.app, name), owner_url)
    finally:
        await drop(admin_url, name, roles)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine(database: TestDatabase):
    engine = create_engine(database.app_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine):
    return session_factory(engine)


PLATFORM = Principal.platform(None)


@dataclass(frozen=True)
class TenantFixture:
    id: uuid.UUID
    slug: str
    admin_id: uuid.UUID
    invitation_token: str


@pytest.fixture
def new_tenant(sessions):
    """Provision a fresh tenant with a unique slug; its owner is still invited (no password yet)."""

    async def make(prefix: str = "t") -> TenantFixture:
        slug = f"{prefix}-{uuid.uuid4().hex[:12]}"
        async with tenant_session(sessions, PLATFORM) as session:
            done = await provisioning.provision_tenant(
                session,
                PLATFORM,
                slug=slug,
                name=f"Tenant {slug}",
                admin_email=f"owner@{slug}.example",
                admin_name="Owner",
            )
        return TenantFixture(done.tenant.id, slug, done.admin_user_id, done.invitation_token)

    return make


def make_settings(**overrides) -> Settings:
    return Settings(**({"jwt_secret": JWT_SECRET, "dev": True, "membership_cache_seconds": 0} | overrides))


@pytest_asyncio.fixture(loop_scope="session")
async def app(database: TestDatabase):
    from gateway.app import create_app

    application = create_app(make_settings(), database.app_url)
    yield application
    await application.state.engine.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def reference(database) -> AsyncIterator[httpx.AsyncClient]:
    """The same gateway with compiled reads off: every query on the resolver path, the reference answer."""
    from gateway.app import create_app

    application = create_app(make_settings(compiled_reads=False), database.app_url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test") as http:
        yield http
    await application.state.engine.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http


def token(app, tenant_id: uuid.UUID | None, user_id: uuid.UUID) -> str:
    return app.state.tokens.mint(tenant_id, user_id)


@pytest_asyncio.fixture(loop_scope="session")
async def world(app, sessions, new_tenant):
    from tests.world import build_world

    return await build_world(sessions, new_tenant, app.state.tokens.mint)

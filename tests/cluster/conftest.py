"""The `cluster` group: the isolation tests, the authorization matrix and the differential read test, run
unchanged on a three-node Citus cluster of their own (`tests/cluster/citus.py`), distributed by
`channelgraph db distribute`'s code.

Deselected by default (`-m "not cluster"` in pyproject's addopts); run with `pytest -m cluster`. Where
Citus is not installed the group is skipped, unless CHANNELGRAPH_REQUIRE_CITUS=1 (CI), which fails it.
The modules here import the tests of the modules they name, so one definition runs on both engines; the
fixtures below replace the root conftest's `admin_url` and `database` for them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from gateway.database import Role, Roles, bootstrap, migrate, url_for
from gateway.distribution import distribute
from tests.cluster.citus import Cluster, citus_installed
from tests.conftest import RUN, TestDatabase


@pytest.hookimpl(trylast=True)  # after `-m` deselected: the plain run keeps only the tests outside the group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    marks = {item.get_closest_marker("cluster") is not None for item in items}
    if marks == {True, False}:
        # The session fixtures built on `database` (engine, sessions, app) would serve one engine to both.
        raise pytest.UsageError("run the cluster group on its own: pytest -m cluster")


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    if not citus_installed():
        if os.environ.get("CHANNELGRAPH_REQUIRE_CITUS") == "1":
            pytest.fail("Citus is not installed, and CHANNELGRAPH_REQUIRE_CITUS=1")
        pytest.skip("Citus is not installed (the cluster group needs it)")
    # Not under pytest's temporary folder: its parents are private to root, and the nodes run as `postgres`.
    root = Path(tempfile.mkdtemp(prefix="channelgraph-citus-"))
    cluster = Cluster(root)
    try:
        cluster.start()
        yield cluster  # type: ignore[misc]  # the cluster itself: `database` below needs its nodes
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database(admin_url: Cluster) -> AsyncIterator[TestDatabase]:
    cluster = admin_url
    roles = Roles(
        owner=Role(f"cgt_{RUN}_owner", None),
        app=Role(f"cgt_{RUN}_app", None),
        relay=Role(f"cgt_{RUN}_relay", None),
    )
    name = f"cgt_{RUN}"
    # The order an operator follows (README, "Running on Citus"): the database and extension on every node
    # and the workers added, then the roles through the coordinator (so they reach the workers), migrations
    # as the owner, then the distribution step.
    database_url = await cluster.create_database(name)
    await bootstrap(database_url, name, roles)
    await cluster.give_database(name, roles.owner.name)
    owner_url = url_for(cluster.admin_url(), roles.owner, name)
    await migrate(owner_url, roles)
    await distribute(owner_url)
    yield TestDatabase(cluster.admin_url(), name, roles, url_for(cluster.admin_url(), roles.app, name), owner_url)

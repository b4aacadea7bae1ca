"""`tests.isolation.test_catalog`, run on the Citus cluster (tests/cluster/conftest.py)."""

import pytest

from tests.isolation.test_catalog import *  # noqa: F403 - the same tests, collected here

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.cluster]

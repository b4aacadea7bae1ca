"""`tests.api.test_authorization_matrix`, run on the Citus cluster (tests/cluster/conftest.py)."""

import pytest

from tests.api.test_authorization_matrix import *  # noqa: F403 - the same tests, collected here

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.cluster]

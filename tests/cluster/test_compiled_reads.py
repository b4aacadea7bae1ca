"""`tests.api.test_compiled_reads`, run on the Citus cluster (tests/cluster/conftest.py)."""

import pytest

from tests.api.test_compiled_reads import *  # noqa: F403 - the same tests, collected here
from tests.api.test_compiled_reads import (
    test_every_audience_pages_through_the_same_answers as _pages,
)
from tests.api.test_compiled_reads import (
    test_filters_match_the_resolver_path as _filters,
)

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.cluster]

# Both paths give the same answers on the cluster, but the compiled path's list statements are not yet routed to
# one shard ("complex joins are only supported when all distributed tables are co-located and joined on their
# distribution columns"), so they fall back to the resolver path and these two tests' "the compiled path answered"
# assertions fail. Strict: the day they pass, the marks must go.
UNROUTED = pytest.mark.xfail(strict=True, reason="compiled list statements fall back to the resolver path on Citus")


# Wrapped, not marked in place: marking the imported functions would mark them in their own module too.
@UNROUTED
async def test_every_audience_pages_through_the_same_answers(app, client, reference, rich):
    await _pages(app, client, reference, rich)


@UNROUTED
async def test_filters_match_the_resolver_path(app, client, reference, rich):
    await _filters(app, client, reference, rich)

"""Lists never cost a statement per row: the number of SQL statements does not grow with the page, on the
compiled read path and on the resolver path alike.

Statements are counted where they leave for PostgreSQL: SQLAlchemy's cursor events (the resolver path) and
asyncpg's query loggers on every pooled connection (the compiled path, which runs on the driver directly).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import event, text

from authz.principal import Principal
from tenants.activities.service import add_activity
from tenants.customers.service import create_contact, create_customer
from tenants.database import tenant_session
from tenants.deals.service import create_deal
from tenants.partners.service import create_partner
from tests.client import gql
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGE = """query($first: Int!) { customers(first: $first) { totalCount edges { node {
  name owner { email } partner { name parent { name } users { email roles } }
  contacts { email name }
  deals { title amount { amount currency } stage { name } partner { name } owner { email } activities { subject }
    stageHistory { changedAt toStage { name } } }
} } } }"""


@pytest.fixture
async def big_tenant(sessions, new_tenant):
    """50 customers, each with its own reseller under one distributor, two contacts, five deals with an
    activity each: made through the services, as the tenant's system."""
    tenant = await new_tenant("count")
    system = Principal.system(tenant.id)
    async with tenant_session(sessions, system) as s:
        await s.execute(text("update app.users set status = 'active'"))
        parent = await create_partner(s, system, {"name": "Dist", "kind": "distributor"})
        for i in range(50):
            partner = await create_partner(s, system, {"name": f"P{i}", "kind": "reseller", "parent_id": parent.id})
            customer = await create_customer(
                s, system, {"name": f"C{i:02}", "partner_id": partner.id, "owner_id": tenant.admin_id}
            )
            for j in range(2):
                await create_contact(
                    s, system, {"first_name": "A", "email": f"a{j}@c{i}.example", "customer_id": customer.id}
                )
            for j in range(5):
                deal = await create_deal(
                    s,
                    system,
                    {
                        "title": f"D{i}-{j}",
                        "customer_id": customer.id,
                        "partner_id": partner.id,
                        "source": "partner_sourced",
                        "amount": 100,
                        "currency": "USD",
                        "owner_id": tenant.admin_id,
                    },
                )
                await add_activity(s, system, {"kind": "call", "subject": "hi", "deal_id": deal.id})
    return tenant


@pytest_asyncio.fixture(loop_scope="session", params=[True, False], ids=["compiled", "resolver"])
async def counted(request, database) -> AsyncIterator[tuple]:
    """An app with compiled reads on or off, and the statements its connections send."""
    from gateway.app import create_app

    app = create_app(make_settings(compiled_reads=request.param), database.app_url)
    statements: list[str] = []
    engine = app.state.engine.sync_engine

    def cursor(conn, cursor, statement, *args):
        statements.append(statement)

    def log(record) -> None:
        statements.append(record.query)

    def checkout(dbapi_connection, record, proxy):
        driver = dbapi_connection.driver_connection
        driver.remove_query_logger(log)
        driver.add_query_logger(log)

    event.listen(engine, "before_cursor_execute", cursor)
    event.listen(engine, "checkout", checkout)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield app, client, statements, request.param
    await app.state.engine.dispose()


async def statements_for(counted, token: str, first: int) -> tuple[int, dict]:
    _app, client, statements, _ = counted
    statements.clear()
    body = await gql(client, PAGE, {"first": first}, token=token)
    assert "errors" not in body, body
    return len(statements), body


async def test_statement_count_is_constant(counted, big_tenant):
    app, _client, _statements, compiled = counted
    token = app.state.tokens.mint(big_tenant.id, big_tenant.admin_id)
    await statements_for(counted, token, 1)  # warms the process's policy cache
    served = app.state.compiled.served if compiled else 0
    small, body_small = await statements_for(counted, token, 5)
    large, body_large = await statements_for(counted, token, 50)
    edges = body_large["data"]["customers"]["edges"]
    assert len(edges) == 50 and all(len(e["node"]["deals"]) == 5 for e in edges)
    assert all(len(e["node"]["contacts"]) == 2 and e["node"]["partner"]["parent"]["name"] == "Dist" for e in edges)
    assert all(len(d["stageHistory"]) == 1 and len(d["activities"]) == 1 for e in edges for d in e["node"]["deals"])
    assert len(body_small["data"]["customers"]["edges"]) == 5
    assert small == large, (small, large)
    if compiled:
        assert app.state.compiled.served == served + 2  # both pages really took the compiled path
        # Authentication's membership read (begin, identity, select, commit), then the same four for the page.
        assert large <= 8, [s[:60] for s in _statements]
    else:
        assert large <= 24, [s[:60] for s in _statements]

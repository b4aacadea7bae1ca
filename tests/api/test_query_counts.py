"""Lists never cost a statement per row: the number of SQL statements does not grow with the page."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, text

from authz.principal import Principal
from tenants.database import tenant_session
from tests.client import gql

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGE = """query($first: Int!) { customers(first: $first) { totalCount edges { node {
  name owner { email } partner { name parent { name } }
  contacts { email }
  deals { title amount { amount currency } stage { name } partner { name } owner { email } activities { subject } }
} } } }"""


@pytest.fixture
async def big_tenant(sessions, new_tenant, app):
    tenant = await new_tenant("count")
    async with tenant_session(sessions, Principal.system(tenant.id)) as s:
        await s.execute(text("update app.users set status = 'active'"))
        stage = (await s.execute(text("select id from app.pipeline_stages order by position limit 1"))).scalar()
        parent = uuid.uuid4()
        await s.execute(
            text("insert into app.partners (tenant_id, id, name, kind) values (:t, :p, 'Dist', 'distributor')"),
            {"t": tenant.id, "p": parent},
        )
        for i in range(50):
            partner, customer = uuid.uuid4(), uuid.uuid4()
            await s.execute(
                text(
                    "insert into app.partners (tenant_id, id, name, kind, parent_id) values (:t, :p, :n, 'reseller', :parent)"
                ),
                {"t": tenant.id, "p": partner, "n": f"P{i}", "parent": parent},
            )
            await s.execute(
                text(
                    "insert into app.customers (tenant_id, id, name, partner_id, owner_id) values (:t, :c, :n, :p, :o)"
                ),
                {"t": tenant.id, "c": customer, "n": f"C{i:02}", "p": partner, "o": tenant.admin_id},
            )
            for j in range(2):
                await s.execute(
                    text(
                        "insert into app.contacts (tenant_id, id, customer_id, first_name, email) values (:t, :x, :c, 'A', :e)"
                    ),
                    {"t": tenant.id, "x": uuid.uuid4(), "c": customer, "e": f"a{j}@c{i}.example"},
                )
            for j in range(5):
                deal = uuid.uuid4()
                await s.execute(
                    text(
                        "insert into app.deals (tenant_id, id, title, customer_id, partner_id, source, stage_id, amount, currency, owner_id)"
                        " values (:t, :d, :title, :c, :p, 'partner_sourced', :s, 100, 'USD', :o)"
                    ),
                    {
                        "t": tenant.id,
                        "d": deal,
                        "title": f"D{i}-{j}",
                        "c": customer,
                        "p": partner,
                        "s": stage,
                        "o": tenant.admin_id,
                    },
                )
                await s.execute(
                    text(
                        "insert into app.activities (tenant_id, id, kind, subject, deal_id) values (:t, :x, 'call', 'hi', :d)"
                    ),
                    {"t": tenant.id, "x": uuid.uuid4(), "d": deal},
                )
    return tenant


async def count_statements(app, client, token, first: int) -> tuple[int, dict]:
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        body = await gql(client, PAGE, {"first": first}, token=token)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert "errors" not in body, body
    return len(statements), body


async def test_statement_count_is_constant(app, client, big_tenant):
    token = app.state.tokens.mint(big_tenant.id, big_tenant.admin_id)
    await count_statements(app, client, token, 1)  # warms the process's policy cache
    small, body_small = await count_statements(app, client, token, 5)
    large, body_large = await count_statements(app, client, token, 50)
    edges = body_large["data"]["customers"]["edges"]
    assert len(edges) == 50 and all(len(e["node"]["deals"]) == 5 for e in edges)
    assert all(len(e["node"]["contacts"]) == 2 and e["node"]["partner"]["parent"]["name"] == "Dist" for e in edges)
    assert len(body_small["data"]["customers"]["edges"]) == 5
    assert small == large, (small, large)
    assert large <= 15

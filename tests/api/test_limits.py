"""Bad documents and oversized queries get their documented error, and nothing runs."""

from __future__ import annotations

import httpx
import pytest

from tests.client import codes, gql
from tests.conftest import make_settings
from tests.world import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_malformed_requests(client, world):
    token = world.token("owner")
    headers = {"authorization": f"Bearer {token}"}
    for body in (b"not json", b"[1, 2]", b'{"query": 5}', b'{"query": "{ viewer { roles } }", "variables": [1]}'):
        response = await client.post("/graphql", content=body, headers=headers | {"content-type": "application/json"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert codes(await gql(client, "{ viewer { ", token=token)) == ["BAD_USER_INPUT"]
    assert codes(await gql(client, "{ noSuchField }", token=token)) == ["BAD_USER_INPUT"]
    wrong_type = await gql(client, "query($n: Int) { deals(first: $n) { totalCount } }", {"n": "ten"}, token=token)
    assert codes(wrong_type) == ["BAD_USER_INPUT"]


async def test_depth_aliases_and_tokens_are_limited(client, world, sessions):
    token = world.token("owner")
    before = await snapshot(sessions, world.tenant_id)
    deep = "{ partners(first: 1) { edges { node { " + "parent { " * 12 + "name" + " }" * 12 + " } } } }"
    assert codes(await gql(client, deep, token=token)) == ["BAD_USER_INPUT"]
    aliases = "{ " + " ".join(f"a{i}: viewer {{ roles }}" for i in range(40)) + " }"
    assert codes(await gql(client, aliases, token=token)) == ["BAD_USER_INPUT"]
    huge = "{ viewer { " + " ".join(["roles"] * 5000) + " } }"
    assert codes(await gql(client, huge, token=token)) == ["BAD_USER_INPUT"]
    flood = (
        "mutation { "
        + " ".join(
            f'a{i}: createPartner(input: {{name: "x{i}", kind: RESELLER}}) {{ partner {{ id }} }}' for i in range(40)
        )
        + " }"
    )
    assert codes(await gql(client, flood, token=token)) == ["BAD_USER_INPUT"]
    assert await snapshot(sessions, world.tenant_id) == before


async def test_a_failed_mutation_rolls_back_entirely(client, world, sessions):
    before = await snapshot(sessions, world.tenant_id)
    # A contact with a duplicate email: the check fails after the service began its work.
    doc = 'mutation($c: ID!) { createContact(input: {firstName: "Pat", email: "PAT@direct.customer.example", customerId: $c}) { contact { id } } }'
    from schema.relay import to_global_id

    body = await gql(
        client, doc, {"c": to_global_id("Customer", world.customers["direct"])}, token=world.token("owner")
    )
    assert codes(body) == ["CONFLICT"]
    assert await snapshot(sessions, world.tenant_id) == before


async def test_production_mode_hides_introspection_and_graphiql(database, world):
    from gateway.app import create_app

    app = create_app(make_settings(dev=False), database.app_url)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            token = app.state.tokens.mint(world.tenant_id, world.people["owner"].user_id)
            browser = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
            page = await http.get("/graphql", headers=browser)
            assert page.status_code == 400 and page.headers["content-type"] == "application/json"
            assert (await http.get("/graphiql/graphiql.min.js")).status_code == 404
            body = await gql(http, "{ __schema { types { name } } }", token=token)
            assert set(codes(body)) == {"BAD_USER_INPUT"} and body.get("data") is None
            assert "errors" not in await gql(http, "{ viewer { roles } }", token=token)
    finally:
        await app.state.engine.dispose()

"""The lean write path (`schema.compiled.writes`) against the resolver path, which the reference app (compiled
path off) always takes: the same payload JSON, the same audit entry and outbox event, the same errors with
nothing changed; what the row policies read kept for a partner's deal; and mutations validated once per
document and masked set, never per document alone."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from authz.principal import Principal
from schema.relay import from_global_id, to_global_id
from tenants.database import tenant_session
from tests.client import codes, gql
from tests.world import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

DEAL = """id title status source probability version amount { amount currency } stage { name }
    partner { name } customer { id name } stageHistory { fromStage { name } toStage { name } }"""
CREATE = "mutation($in: CreateDealInput!) { createDeal(input: $in) { __typename deal { " + DEAL + " } } }"
INTERNAL = "mutation($in: CreateDealInput!) { createDeal(input: $in) { deal { id internalNotes } } }"


def _without_id(body: dict) -> dict:
    deal = dict(body["data"]["createDeal"]["deal"])
    assert deal.pop("id")
    return deal


async def _written(sessions, world, deal_id: str) -> tuple[list, list, list]:
    """The deal's audit entries, outbox events and stage history, without ids and times."""
    raw = from_global_id(deal_id, "Deal")[1]
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        audit = (
            await s.execute(
                text(
                    "select actor_id, actor_audience, action, entity_type, before, after from app.audit_log"
                    " where entity_id = :id order by at, action"
                ),
                {"id": raw},
            )
        ).all()
        events = (
            await s.execute(
                text(
                    "select event_type, entity_type, payload, actor_id from app.outbox where entity_id = :id"
                    " order by created_at, event_type"
                ),
                {"id": raw},
            )
        ).all()
        history = (
            await s.execute(
                text(
                    "select from_stage_id, to_stage_id, changed_by, partner_ids from app.deal_stage_history"
                    " where deal_id = :id order by changed_at"
                ),
                {"id": raw},
            )
        ).all()
    strip = {"id", "created_at", "updated_at"}

    def stripped(state: dict | None) -> dict | None:
        return None if state is None else {k: v for k, v in state.items() if k not in strip}

    audit_rows = [(*row[:4], stripped(row[4]), stripped(row[5])) for row in audit]
    return audit_rows, [tuple(row) for row in events], [tuple(row) for row in history]


@pytest.mark.parametrize("persona", ["owner", "rep1", "channel_manager"])
async def test_create_deal_answers_and_writes_as_the_resolver_path(app, client, reference, sessions, world, persona):
    variables = {
        "in": {
            "title": f"Lean {persona}",
            "customerId": to_global_id("Customer", world.customers["dist"]),
            "amount": "1250.5",
            "currency": "USD",
        }
    }
    token = world.token(persona)
    served = app.state.compiled.served
    lean = await gql(client, CREATE, variables, token=token)
    assert app.state.compiled.served == served + 1, lean  # the lean path answered it
    resolved = await gql(reference, CREATE, variables, token=token)
    assert "errors" not in lean and "errors" not in resolved, (lean, resolved)
    assert _without_id(lean) == _without_id(resolved)
    assert list(lean["data"]["createDeal"]) == list(resolved["data"]["createDeal"])  # key order too
    lean_rows = await _written(sessions, world, lean["data"]["createDeal"]["deal"]["id"])
    resolved_rows = await _written(sessions, world, resolved["data"]["createDeal"]["deal"]["id"])
    assert lean_rows == resolved_rows
    assert len(lean_rows[0]) == len(lean_rows[1]) == len(lean_rows[2]) == 1


async def test_a_deal_given_a_partner_reaches_that_partner(client, world):
    """A new deal of a partner's carries what the row policies read: the partner reads the deal, its stage
    history and its customer (which it did not reach before)."""
    customer = to_global_id("Customer", world.customers["direct"])
    lookup = "query($id: ID!) { customer(id: $id) { name } }"
    assert codes(await gql(client, lookup, {"id": customer}, token=world.token("sub_admin"))) == ["NOT_FOUND"]
    partner = to_global_id("Partner", world.partners["sub"])
    body = await gql(
        client,
        CREATE,
        {"in": {"title": "Reach", "customerId": customer, "partnerId": partner, "source": "PARTNER_SOURCED"}},
        token=world.token("owner"),
    )
    assert "errors" not in body, body
    deal = body["data"]["createDeal"]["deal"]
    seen = await gql(
        client,
        "query($id: ID!) { deal(id: $id) { title stageHistory { toStage { name } } customer { name } } }",
        {"id": deal["id"]},
        token=world.token("sub_admin"),
    )
    assert seen["data"]["deal"] == {
        "title": "Reach",
        "stageHistory": [{"toStage": {"name": "Prospecting"}}],
        "customer": {"name": "Customer direct"},
    }, seen
    assert (await gql(client, lookup, {"id": customer}, token=world.token("sub_admin")))["data"]["customer"] == {
        "name": "Customer direct"
    }


@pytest.mark.parametrize(
    ("persona", "change", "code"),
    [
        ("owner", {"customerId": "missing"}, "NOT_FOUND"),
        ("owner", {"stageId": "closed"}, "BAD_USER_INPUT"),
        ("owner", {"partnerId": "other", "source": "PARTNER_SOURCED"}, None),
        ("rep1", {"customerId": "other", "ownerId": "missing"}, "NOT_FOUND"),
        ("dist_admin", {}, "FORBIDDEN"),
        ("owner", {"title": " "}, "BAD_USER_INPUT"),
        ("owner", {"source": "PARTNER_INFLUENCED"}, "BAD_USER_INPUT"),
        ("support", {}, "FORBIDDEN"),
        ("customer", {}, "FORBIDDEN"),
    ],
)
async def test_refusals_are_the_resolver_paths_and_change_nothing(
    client, reference, sessions, world, persona, change, code
):
    ids = {
        "missing": to_global_id("Customer", world.partners["dist"]),  # a uuid that names no customer
        "closed": to_global_id("PipelineStage", world.stages["Closed Won"]),
        "other": to_global_id("Customer", world.customers["other"]),
    }
    values = {"title": "Refused", "customerId": to_global_id("Customer", world.customers["direct"])}
    for key, value in change.items():
        if key == "partnerId":
            values[key] = to_global_id("Partner", world.partners[value])
        elif key == "ownerId":
            values[key] = to_global_id("User", world.partners["dist"])
        else:
            values[key] = ids.get(value, value)
    document = "mutation($in: CreateDealInput!) { createDeal(input: $in) { deal { id title } } }"
    token = world.token(persona)
    if code is None:  # a valid call: both paths succeed (checks the case's inputs are right)
        assert "errors" not in await gql(client, document, {"in": values}, token=token)
        return
    before = await snapshot(sessions, world.tenant_id)
    lean = await gql(client, document, {"in": values}, token=token)
    resolved = await gql(reference, document, {"in": values}, token=token)
    assert codes(lean) == codes(resolved) == [code], (lean, resolved)
    assert lean == resolved
    assert await snapshot(sessions, world.tenant_id) == before


async def test_a_mutation_validated_for_one_audience_is_validated_again_for_another(reference, world):
    """The same document, a field masked for partners: each caller gets its own verdict, whatever was
    validated (and cached) first."""
    variables = {"in": {"title": "Masks", "customerId": to_global_id("Customer", world.customers["dist"])}}
    for persona, expected in [("dist_admin", ["FORBIDDEN"]), ("owner", []), ("dist_admin", ["FORBIDDEN"])]:
        body = await gql(reference, INTERNAL, variables, token=world.token(persona))
        assert codes(body) == expected, (persona, body)
    anonymous = await gql(reference, INTERNAL, variables)
    assert codes(anonymous) == ["UNAUTHENTICATED"]


MOVE = "mutation($in: MoveDealStageInput!) { moveDealStage(input: $in) { deal { " + DEAL + " } } }"
UPDATE = "mutation($in: UpdateDealInput!) { updateDeal(input: $in) { deal { " + DEAL + " internalNotes } } }"


async def _twins(client, reference, world) -> tuple[str, str]:
    """Two equal new deals, one made by each path."""
    variables = {"in": {"title": "Twin", "customerId": to_global_id("Customer", world.customers["dist"])}}
    made = [await gql(http, CREATE, variables, token=world.token("owner")) for http in (client, reference)]
    return made[0]["data"]["createDeal"]["deal"]["id"], made[1]["data"]["createDeal"]["deal"]["id"]


@pytest.mark.parametrize("mutation", ["move", "update"])
async def test_changes_answer_and_write_as_the_resolver_path(app, client, reference, sessions, world, mutation):
    lean_id, resolved_id = await _twins(client, reference, world)
    stage = to_global_id("PipelineStage", world.stages["Proposal"])
    owner = to_global_id("User", world.people["rep2"].user_id)
    change = {"stageId": stage} if mutation == "move" else {"title": "Renamed", "amount": "7.5", "ownerId": owner}
    document = MOVE if mutation == "move" else UPDATE
    served = app.state.compiled.served
    lean = await gql(client, document, {"in": {"id": lean_id, "version": 1} | change}, token=world.token("owner"))
    assert app.state.compiled.served == served + 1, lean
    resolved = await gql(
        reference, document, {"in": {"id": resolved_id, "version": 1} | change}, token=world.token("owner")
    )
    assert "errors" not in lean and "errors" not in resolved, (lean, resolved)
    root = "moveDealStage" if mutation == "move" else "updateDeal"
    lean_deal, resolved_deal = lean["data"][root]["deal"], resolved["data"][root]["deal"]
    assert lean_deal.pop("id") == lean_id and resolved_deal.pop("id") == resolved_id
    assert lean_deal == resolved_deal and lean_deal["version"] == 2
    assert await _written(sessions, world, lean_id) == await _written(sessions, world, resolved_id)


async def test_moving_to_the_same_stage_changes_nothing(client, sessions, world):
    lean_id, _ = await _twins(client, client, world)
    stage = to_global_id("PipelineStage", world.stages["Prospecting"])
    before = await snapshot(sessions, world.tenant_id)
    body = await gql(client, MOVE, {"in": {"id": lean_id, "version": 1, "stageId": stage}}, token=world.token("owner"))
    assert body["data"]["moveDealStage"]["deal"]["version"] == 1, body
    assert await snapshot(sessions, world.tenant_id) == before


async def test_a_partner_moves_its_deal_and_its_history_reaches_it(client, world):
    deal = to_global_id("Deal", world.deals["sub"])
    stage = to_global_id("PipelineStage", world.stages["Proposal"])
    body = await gql(
        client, MOVE, {"in": {"id": deal, "version": 1, "stageId": stage}}, token=world.token("dist_admin")
    )
    assert "errors" not in body, body
    history = body["data"]["moveDealStage"]["deal"]["stageHistory"]
    assert [h["toStage"]["name"] for h in history] == ["Prospecting", "Proposal"]


@pytest.mark.parametrize(
    ("persona", "mutation", "change", "code"),
    [
        ("owner", "move", {"version": 7}, "CONFLICT"),
        ("owner", "move", {"stageId": "closed"}, "BAD_USER_INPUT"),
        ("owner", "move", {"stageId": "missing"}, "NOT_FOUND"),
        ("owner", "move", {"id": "missing"}, "NOT_FOUND"),
        ("rep2", "move", {}, "FORBIDDEN"),  # another rep's deal: readable, not changeable
        ("other_admin", "move", {}, "NOT_FOUND"),  # another partner's deal
        ("support", "move", {}, "FORBIDDEN"),
        ("owner", "update", {"version": 7}, "CONFLICT"),
        ("owner", "update", {"ownerId": "missing"}, "NOT_FOUND"),
        ("owner", "update", {"title": ""}, "BAD_USER_INPUT"),
        ("owner", "update", {"probability": 101}, "BAD_USER_INPUT"),
        ("dist_admin", "update", {"internalNotes": "no"}, "BAD_USER_INPUT"),
        ("rep2", "update", {}, "FORBIDDEN"),
    ],
)
async def test_refused_changes_are_the_resolver_paths_and_change_nothing(
    client, reference, sessions, world, persona, mutation, change, code
):
    values: dict = {"id": to_global_id("Deal", world.deals["dist"]), "version": 1}
    values |= {"stageId": to_global_id("PipelineStage", world.stages["Proposal"])} if mutation == "move" else {}
    values |= {"title": "Changed"} if mutation == "update" else {}
    named = {
        "closed": to_global_id("PipelineStage", world.stages["Closed Won"]),
        "missing": to_global_id("PipelineStage" if "stageId" in change else "Deal", world.customers["dist"]),
    }
    for key, value in change.items():
        if key == "ownerId":
            values[key] = to_global_id("User", world.customers["dist"])
        else:
            values[key] = named.get(value, value) if isinstance(value, str) else value
    document = (MOVE if mutation == "move" else UPDATE).replace(DEAL + " internalNotes", "id").replace(DEAL, "id")
    token = world.token(persona)
    before = await snapshot(sessions, world.tenant_id)
    lean = await gql(client, document, {"in": values}, token=token)
    resolved = await gql(reference, document, {"in": values}, token=token)
    assert codes(lean) == codes(resolved) == [code], (lean, resolved)
    assert lean == resolved
    assert await snapshot(sessions, world.tenant_id) == before

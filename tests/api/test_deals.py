"""Deals through the API: what createDeal fills in, updates, stage moves and their history, closing won or
lost, partner assignment, archiving, the `pipeline` totals, and what the customer user may not filter, order
by or select — the same refusals on both read paths."""

from __future__ import annotations

import decimal
import uuid

import pytest

from authz.principal import Audience, Principal
from schema.relay import to_global_id
from tenants.customers.service import create_customer
from tenants.database import tenant_session
from tenants.deals.service import create_deal
from tenants.identity.users import create_member
from tenants.platform import provisioning
from tests.client import codes, gql
from tests.world import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

DEAL = """id title status source probability closeReason closedAt archivedAt version
    amount { amount currency } stage { name } partner { name } owner { email }
    stageHistory { fromStage { name } toStage { name } changedBy { email } }"""
CREATE = "mutation($in: CreateDealInput!) { createDeal(input: $in) { deal { " + DEAL + " } } }"
UPDATE = "mutation($in: UpdateDealInput!) { updateDeal(input: $in) { deal { " + DEAL + " } } }"
MOVE = "mutation($in: MoveDealStageInput!) { moveDealStage(input: $in) { deal { " + DEAL + " } } }"
CLOSE = "mutation($in: CloseDealInput!) { closeDeal(input: $in) { deal { " + DEAL + " } } }"
ASSIGN = "mutation($in: AssignDealPartnerInput!) { assignDealPartner(input: $in) { deal { " + DEAL + " } } }"
ARCHIVE = "mutation($id: ID!, $v: Int!) { archiveDeal(id: $id, version: $v) { deal { " + DEAL + " } } }"
LOOKUP = "query($id: ID!) { deal(id: $id) { " + DEAL + " } }"
TITLES = """query($f: DealFilterInput, $o: DealOrder! = CREATED_AT) { deals(first: 100, filter: $f, orderBy: $o) {
    totalCount edges { node { title } } } }"""
PIPELINE = "{ pipeline { stage { name } dealCount amounts { amount currency } } }"
STAGES = ["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]
PARTNER_VIEW = "id title probability version source stage { name } partner { name }"  # no vendor-only fields


def did(world, key: str) -> str:
    return to_global_id("Deal", world.deals[key])


def sid(world, name: str) -> str:
    return to_global_id("PipelineStage", world.stages[name])


def token(world, persona: str) -> str | None:
    return None if persona == "anonymous" else world.token(persona)


async def ok(client, world, persona, doc, variables=None, view=DEAL) -> dict:
    """The one root's answer (a mutation's deal), asserting success; `view` replaces the deal selection."""
    body = await gql(client, doc.replace(DEAL, view), variables, token=token(world, persona))
    assert "errors" not in body, body
    answer = next(iter(body["data"].values()))
    return answer["deal"] if doc.startswith("mutation") else answer


async def refused(client, sessions, world, persona, doc, variables, code) -> dict:
    """A refused call answers `code` and changes nothing; it selects only what every audience may read, so
    the refusal is the operation's, not a field mask's."""
    before = await snapshot(sessions, world.tenant_id)
    body = await gql(client, doc.replace(DEAL, "id title"), variables, token=token(world, persona))
    assert codes(body) == [code], body
    assert await snapshot(sessions, world.tenant_id) == before
    return body


async def titles(client, world, persona, filter_=None, order="CREATED_AT") -> list[str]:
    deals = await ok(client, world, persona, TITLES, {"f": filter_, "o": order})
    assert deals["totalCount"] == len(deals["edges"])
    return [e["node"]["title"] for e in deals["edges"]]


async def test_create_deal_defaults_to_first_open_stage_tenant_currency_and_caller(app, client, sessions):
    platform = Principal.platform(None)
    slug = f"eur-{uuid.uuid4().hex[:12]}"
    async with tenant_session(sessions, platform) as s:
        done = await provisioning.provision_tenant(
            s, platform, slug=slug, name="Euro", admin_email=f"o@{slug}.example", admin_name="O", default_currency="EUR"
        )
    system = Principal.system(done.tenant.id)
    email = f"sm@{slug}.example"
    async with tenant_session(sessions, system) as s:
        seller = await create_member(
            s, system, email=email, name="SM", audience="vendor", roles=["sales_manager"], status="active"
        )
        customer = to_global_id("Customer", (await create_customer(s, system, {"name": "Kunde"})).id)
    seller_token = app.state.tokens.mint(done.tenant.id, seller.id)
    body = await gql(client, CREATE, {"in": {"title": "Euro deal", "customerId": customer}}, token=seller_token)
    deal = body["data"]["createDeal"]["deal"]
    assert (deal["status"], deal["source"], deal["probability"], deal["version"]) == ("OPEN", "DIRECT", 10, 1)
    assert deal["amount"]["currency"] == "EUR" and deal["stage"] == {"name": "Prospecting"}
    assert deal["owner"] == {"email": email} and deal["partner"] is None
    assert deal["stageHistory"] == [
        {"fromStage": None, "toStage": {"name": "Prospecting"}, "changedBy": {"email": email}}
    ]
    body = await gql(
        client, CREATE, {"in": {"title": "Dollars", "customerId": customer, "currency": "USD"}}, token=seller_token
    )
    assert body["data"]["createDeal"]["deal"]["amount"]["currency"] == "USD"


async def test_create_deal_refusals(client, sessions, world):
    base = {"title": "New", "customerId": to_global_id("Customer", world.customers["direct"])}
    won = base | {"stageId": sid(world, "Closed Won")}
    await refused(client, sessions, world, "owner", CREATE, {"in": won}, "BAD_USER_INPUT")
    sourced = base | {"source": "PARTNER_SOURCED"}  # names no partner
    await refused(client, sessions, world, "owner", CREATE, {"in": sourced}, "BAD_USER_INPUT")
    for persona in ("support", "dist_admin", "customer"):
        await refused(client, sessions, world, persona, CREATE, {"in": base}, "FORBIDDEN")
    await refused(client, sessions, world, "anonymous", CREATE, {"in": base}, "UNAUTHENTICATED")


async def test_a_partners_deal_is_partner_sourced_to_its_partner(client, sessions, world):
    """Partners hold no deal:create; their deals come from services acting as them (an accepted lead)."""
    dist_rep = world.people["dist_rep"]
    principal = Principal(
        Audience.PARTNER,
        user_id=dist_rep.user_id,
        tenant_id=world.tenant_id,
        roles=frozenset(dist_rep.roles),
        partner_id=world.partners["dist"],
    )
    async with tenant_session(sessions, principal) as s:
        row = await create_deal(s, principal, {"title": "Partner deal", "customer_id": world.customers["dist"]})
    variables = {"id": to_global_id("Deal", row.id)}
    deal = await ok(client, world, "owner", LOOKUP, variables)
    assert (deal["source"], deal["partner"], deal["owner"]) == ("PARTNER_SOURCED", {"name": "Northwind"}, None)
    assert (await ok(client, world, "dist_rep", LOOKUP, variables, PARTNER_VIEW))["source"] == "PARTNER_SOURCED"
    assert "Partner deal" in await titles(client, world, "dist_admin")
    assert codes(await gql(client, LOOKUP.replace(DEAL, "id"), variables, token=world.token("sub_admin"))) == [
        "NOT_FOUND"
    ]


async def test_update_deal(client, sessions, world):
    change = {"id": did(world, "direct"), "version": 1, "title": "Renamed", "amount": "2500.50", "probability": 35}
    deal = await ok(client, world, "rep1", UPDATE, {"in": change | {"internalNotes": "vip"}})
    assert (deal["title"], deal["probability"], deal["version"]) == ("Renamed", 35, 2)
    assert decimal.Decimal(deal["amount"]["amount"]) == decimal.Decimal("2500.50")
    read = await ok(client, world, "support", LOOKUP, {"id": did(world, "direct")}, "internalNotes amount { amount }")
    assert read == {"internalNotes": "vip", "amount": {"amount": "2500.50"}}
    # A partner changes its deals' commercial fields only, and never an out-of-scope deal.
    partner = {"in": {"id": did(world, "sub"), "version": 1, "probability": 60}}
    assert (await ok(client, world, "dist_rep", UPDATE, partner, PARTNER_VIEW))["version"] == 2
    notes = {"in": {"id": did(world, "sub"), "version": 2, "internalNotes": "x"}}
    await refused(client, sessions, world, "sub_admin", UPDATE, notes, "BAD_USER_INPUT")
    bad = {"in": {"id": did(world, "sub"), "version": 2, "probability": 101}}
    await refused(client, sessions, world, "owner", UPDATE, bad, "BAD_USER_INPUT")
    stale = {"in": {"id": did(world, "sub"), "version": 1, "title": "Stale"}}
    await refused(client, sessions, world, "owner", UPDATE, stale, "CONFLICT")
    await refused(client, sessions, world, "other_admin", UPDATE, stale, "NOT_FOUND")


async def test_move_stage_writes_history_and_refuses_closed_stages(client, sessions, world):
    first = {"in": {"id": did(world, "sub"), "version": 1, "stageId": sid(world, "Proposal")}}
    moved = await ok(client, world, "sales_manager", MOVE, first)
    assert (moved["stage"], moved["probability"], moved["version"]) == ({"name": "Proposal"}, 50, 2)
    second = {"in": {"id": did(world, "sub"), "version": 2, "stageId": sid(world, "Negotiation")}}
    moved = await ok(client, world, "sub_rep", MOVE, second, PARTNER_VIEW)
    assert (moved["stage"], moved["probability"], moved["version"]) == ({"name": "Negotiation"}, 75, 3)
    history = (await ok(client, world, "owner", LOOKUP, {"id": did(world, "sub")}))["stageHistory"]
    manager, rep = f"sales_manager@{world.slug}.example", "sub_rep@sub.example"
    assert [(h["fromStage"], h["toStage"]["name"], h["changedBy"]) for h in history] == [
        (None, "Prospecting", None),  # made by the system
        ({"name": "Prospecting"}, "Proposal", {"email": manager}),
        ({"name": "Proposal"}, "Negotiation", {"email": rep}),
    ]
    for stage in ("Closed Won", "Closed Lost"):
        move = {"in": {"id": did(world, "sub"), "version": 3, "stageId": sid(world, stage)}}
        body = await refused(client, sessions, world, "owner", MOVE, move, "BAD_USER_INPUT")
        assert body["errors"][0]["extensions"]["field"] == "stageId"
    theirs = {"in": {"id": did(world, "direct2"), "version": 1, "stageId": sid(world, "Proposal")}}
    await refused(client, sessions, world, "rep1", MOVE, theirs, "FORBIDDEN")  # rep2's deal


async def test_close_deal_won_and_lost(client, sessions, world):
    won = await ok(client, world, "rep1", CLOSE, {"in": {"id": did(world, "direct"), "version": 1, "won": True}})
    assert (won["status"], won["stage"]["name"], won["probability"], won["closeReason"]) == (
        "WON",
        "Closed Won",
        100,
        None,
    )
    assert won["closedAt"] is not None and won["stageHistory"][-1]["toStage"] == {"name": "Closed Won"}
    for reason in (None, "   "):
        lost = {"in": {"id": did(world, "direct2"), "version": 1, "won": False, "reason": reason}}
        body = await refused(client, sessions, world, "owner", CLOSE, lost, "BAD_USER_INPUT")
        assert body["errors"][0]["extensions"]["field"] == "reason"
    lost = {"in": {"id": did(world, "direct2"), "version": 1, "won": False, "reason": " budget "}}
    deal = await ok(client, world, "owner", CLOSE, lost)
    assert (deal["status"], deal["stage"]["name"], deal["probability"], deal["closeReason"]) == (
        "LOST",
        "Closed Lost",
        0,
        "budget",
    )
    again = {"in": {"id": did(world, "direct"), "version": 2, "won": False, "reason": "changed my mind"}}
    await refused(client, sessions, world, "owner", CLOSE, again, "CONFLICT")
    reopen = {"in": {"id": did(world, "direct"), "version": 2, "stageId": sid(world, "Proposal")}}
    await refused(client, sessions, world, "owner", MOVE, reopen, "CONFLICT")
    partner = {"in": {"id": did(world, "sub"), "version": 1, "won": True}}
    await refused(client, sessions, world, "sub_admin", CLOSE, partner, "FORBIDDEN")


async def test_assign_deal_partner(client, sessions, world):
    other = to_global_id("Partner", world.partners["other"])
    assigned = {"in": {"id": did(world, "direct"), "version": 1, "partnerId": other}}
    deal = await ok(client, world, "channel_manager", ASSIGN, assigned)
    assert (deal["partner"], deal["source"]) == ({"name": "Fabrikam"}, "PARTNER_INFLUENCED")
    assert "Deal direct" in await titles(client, world, "other_rep")
    sourced = {"in": {"id": did(world, "direct"), "version": 2, "partnerId": None, "source": "PARTNER_SOURCED"}}
    await refused(client, sessions, world, "owner", ASSIGN, sourced, "BAD_USER_INPUT")
    direct = {"in": {"id": did(world, "direct"), "version": 2, "partnerId": None}}
    deal = await ok(client, world, "sales_manager", ASSIGN, direct)
    assert (deal["partner"], deal["source"]) == (None, "DIRECT")
    assert "Deal direct" not in await titles(client, world, "other_rep")
    again = {"in": {"id": did(world, "direct"), "version": 3, "partnerId": other}}
    for persona in ("rep1", "other_admin"):
        await refused(client, sessions, world, persona, ASSIGN, again, "FORBIDDEN")


async def test_archived_deals_leave_lists_and_pipeline(client, sessions, world):
    target = {"id": did(world, "other"), "v": 1}
    for persona in ("channel_manager", "rep1", "other_admin"):
        await refused(client, sessions, world, persona, ARCHIVE, target, "FORBIDDEN")
    assert (await ok(client, world, "sales_manager", ARCHIVE, target))["archivedAt"] is not None
    assert "Deal other" not in await titles(client, world, "owner")
    assert "Deal other" in await titles(client, world, "owner", {"includeArchived": True})
    assert await titles(client, world, "other_admin") == []
    assert await titles(client, world, "other_admin", {"includeArchived": True}) == ["Deal other"]
    assert (await ok(client, world, "owner", PIPELINE))[0]["dealCount"] == 4


async def test_pipeline_sums_by_currency(client, reference, world):
    customer = to_global_id("Customer", world.customers["direct"])
    for title, amount, currency in (("E1", "250.50", "EUR"), ("E2", "100", "EUR"), ("G1", "9.99", "GBP")):
        made = {"in": {"title": title, "customerId": customer, "amount": amount, "currency": currency}}
        await ok(client, world, "rep1", CREATE, made)
    move = {"in": {"id": did(world, "dist"), "version": 1, "stageId": sid(world, "Qualification")}}
    await ok(client, world, "owner", MOVE, move)
    for path in (client, reference):
        totals = await ok(path, world, "rep2", PIPELINE)
        assert [t["stage"]["name"] for t in totals] == STAGES
        assert [(t["dealCount"], [(a["amount"], a["currency"]) for a in t["amounts"]]) for t in totals] == [
            (7, [("350.50", "EUR"), ("9.99", "GBP"), ("4000.00", "USD")]),
            (1, [("1000.00", "USD")]),
            (0, []),
            (0, []),
            (0, []),
            (0, []),
        ]
    for persona in ("support", "dist_admin", "customer"):
        assert codes(await gql(client, PIPELINE, token=world.token(persona))) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "filter_,order,field",
    [
        ({"source": "PARTNER_SOURCED"}, "CREATED_AT", "Deal.source"),
        ({"ownerId": "rep1"}, "CREATED_AT", "Deal.owner"),
        (None, "UPDATED_AT", "Deal.updatedAt"),
        ({"includeArchived": True}, "CREATED_AT", "Deal.archivedAt"),
    ],
)
async def test_customer_argument_masks_on_both_read_paths(app, client, reference, world, filter_, order, field):
    if filter_ and "ownerId" in filter_:
        filter_ = {"ownerId": to_global_id("User", world.people["rep1"].user_id)}
    variables = {"f": filter_, "o": order}
    served = app.state.compiled.served
    compiled = await gql(client, TITLES, variables, token=world.token("customer"))
    assert app.state.compiled.served == served + 1
    assert compiled == await gql(reference, TITLES, variables, token=world.token("customer"))
    assert codes(compiled) == ["FORBIDDEN"] and compiled.get("data") is None
    assert compiled["errors"][0]["extensions"]["field"] == field
    for path in (client, reference):
        # The default order, named or not, and orders over fields the customer reads, still work.
        for order_ in ("CREATED_AT", "TITLE", "AMOUNT"):
            assert await titles(path, world, "customer", order=order_) == ["Deal dist"]
        vendor = await gql(path, TITLES, variables, token=world.token("support"))
        assert "errors" not in vendor and vendor["data"]["deals"]["totalCount"] > 0


@pytest.mark.parametrize(
    "selection,field",
    [("internalNotes", "Deal.internalNotes"), ("owner { id }", "Deal.owner"), ("source", "Deal.source")],
)
async def test_customer_may_not_select_vendor_or_partner_fields(client, reference, world, selection, field):
    docs = [
        "{ deals(first: 5) { edges { node { title " + selection + " } } } }",
        "query($id: ID!) { deal(id: $id) { title " + selection + " } }",
    ]
    for doc in docs:
        compiled = await gql(client, doc, {"id": did(world, "dist")}, token=world.token("customer"))
        assert compiled == await gql(reference, doc, {"id": did(world, "dist")}, token=world.token("customer"))
        assert codes(compiled) == ["FORBIDDEN"] and compiled.get("data") is None
        assert compiled["errors"][0]["extensions"]["field"] == field
        assert "errors" not in await gql(client, doc, {"id": did(world, "dist")}, token=world.token("owner"))


async def test_a_payload_spells_amounts_as_a_read_does(client, world):
    customer = to_global_id("Customer", world.customers["direct"])
    made = await gql(
        client, CREATE, {"in": {"title": "Cents", "customerId": customer, "amount": "12.5"}}, token=world.token("owner")
    )
    deal = made["data"]["createDeal"]["deal"]
    read = await gql(client, LOOKUP, {"id": deal["id"]}, token=world.token("owner"))
    assert deal["amount"] == read["data"]["deal"]["amount"] == {"amount": "12.50", "currency": "USD"}

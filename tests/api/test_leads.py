"""Lead distribution through the service and the graph: the rules on a real tenant, capacity under
concurrency, SLA timeouts on an injected clock, contact details hidden until acceptance (in GraphQL and in
SQL as the partner), conversion, manual assignment, isolation between partners, and vendors editing a lead until it converts and
archiving it (its open offer withdrawn)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from authz.principal import Audience, Principal
from schema.relay import to_global_id
from tenants import records
from tenants.database import tenant_session
from tenants.identity.users import create_member
from tenants.leads.assignment import distribute, return_overdue_leads
from tenants.leads.service import create_lead, decline_lead, set_tier_rule
from tenants.partners.models import Partner
from tests.client import codes, gql

pytestmark = pytest.mark.asyncio(loop_scope="session")

LEAD = """query($id: ID!) { lead(id: $id) { id companyName territory need status acceptBy
    contact { firstName email phone } assignments { status method partner { name } } } }"""
LEADS = "query($f: LeadFilterInput) { leads(first: 50, filter: $f) { totalCount edges { node { id companyName } } } }"
ACCEPT = """mutation($id: ID!) { acceptLead(id: $id) { lead { status contact { email }
    customer { name } deal { title source status partner { name } } } } }"""
DECLINE = 'mutation($id: ID!) { declineLead(id: $id, reason: "too far") { leadId } }'
ASSIGN = """mutation($id: ID!, $p: ID!) { assignLead(id: $id, partnerId: $p) {
    lead { status partner { name } assignments { status method } } } }"""
CREATE = """mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id status partner { name } } } }"""


@dataclass
class Channel:
    """A tenant with three active partners (P1 gold EMEA, P2 silver EMEA, P3 gold AMER), ids in that order."""

    tenant_id: uuid.UUID
    partners: dict[str, uuid.UUID] = field(default_factory=dict)
    people: dict[str, tuple[uuid.UUID, str]] = field(default_factory=dict)  # name -> (user id, token)

    def token(self, name: str) -> str:
        return self.people[name][1]

    def partner_principal(self, name: str) -> Principal:
        user_id = self.people[f"{name}_admin"][0]
        return Principal(
            Audience.PARTNER,
            user_id=user_id,
            tenant_id=self.tenant_id,
            roles=frozenset({"partner_admin"}),
            partner_id=self.partners[name],
        )


@pytest.fixture
async def channel(app, sessions, new_tenant) -> Channel:
    tenant = await new_tenant("leads")
    found = Channel(tenant.id)
    system = Principal.system(tenant.id)
    mint = app.state.tokens.mint
    ids = sorted(uuid.uuid4() for _ in range(3))  # ties between partners break by id: make the order known
    async with tenant_session(sessions, system) as s:
        await s.execute(text("update app.users set status = 'active'"))
        found.people["owner"] = (tenant.admin_id, mint(tenant.id, tenant.admin_id))
        shapes = {"P1": ("EMEA", "gold"), "P2": ("EMEA", "silver"), "P3": ("AMER", "gold")}
        for name, (territory, tier) in shapes.items():
            partner = Partner(
                id=ids[len(found.partners)],
                tenant_id=tenant.id,
                name=name,
                kind="reseller",
                status="active",
                tier=tier,
                territory=territory,
            )
            await records.create(s, system, partner, action="partner.create")
            found.partners[name] = partner.id
            for role in ("partner_admin", "partner_rep"):
                user = await create_member(
                    s,
                    system,
                    email=f"{name}-{role}@{tenant.slug}.example",
                    name=f"{name} {role}",
                    audience="partner",
                    roles=[role],
                    partner_id=partner.id,
                    status="active",
                )
                found.people[f"{name}_{role.split('_')[1]}"] = (user.id, mint(tenant.id, user.id))
        for role in ("sales_manager", "channel_manager"):
            user = await create_member(
                s,
                system,
                email=f"{role}@{tenant.slug}.example",
                name=role,
                audience="vendor",
                roles=[role],
                status="active",
            )
            found.people[role] = (user.id, mint(tenant.id, user.id))
        await set_tier_rule(s, system, "gold", 3, 3)
        await set_tier_rule(s, system, "silver", 1, 1)
    return found


async def new_lead(sessions, channel, name, territory="EMEA", *, now=None, distribute_now=True) -> uuid.UUID:
    system = Principal.system(channel.tenant_id)
    async with tenant_session(sessions, system) as s:
        lead = await create_lead(
            s,
            system,
            {"company_name": name, "source": "webinar", "territory": territory, "need": "50 seats"},
            {"first_name": "Lee", "last_name": name, "email": f"lee@{name.lower()}.example", "phone": "+1 555 0100"},
            distribute_now=distribute_now,
            now=now,
        )
    return lead.id


async def holder(sessions, channel, lead_id) -> str | None:
    async with tenant_session(sessions, Principal.system(channel.tenant_id), read_only=True) as s:
        partner = (await s.execute(text("select partner_id from app.leads where id = :id"), {"id": lead_id})).scalar()
    return {v: k for k, v in channel.partners.items()}.get(partner)


async def test_distribution_follows_the_rules(sessions, channel):
    """gold: weight 3, capacity 3; silver: weight 1, capacity 1."""
    expected = [("L1", "EMEA", "P1"), ("L2", "EMEA", "P2"), ("L3", "EMEA", "P1"), ("L4", "AMER", "P3")]
    expected += [("L5", "EMEA", "P1"), ("L6", "EMEA", None), ("L7", "LATAM", None)]
    leads = {}
    for name, territory, partner in expected:
        leads[name] = await new_lead(sessions, channel, name, territory)
        assert await holder(sessions, channel, leads[name]) == partner, name
    # P2 declines: it is never offered L2 again, and P1 is full, so L2 waits in the pool.
    async with tenant_session(sessions, channel.partner_principal("P2")) as s:
        await decline_lead(s, channel.partner_principal("P2"), leads["L2"], "not our market")
    assert await holder(sessions, channel, leads["L2"]) is None
    system = Principal.system(channel.tenant_id)
    async with tenant_session(sessions, system) as s:
        await set_tier_rule(s, system, "gold", 3, 4)
        assert (await distribute(s, system, leads["L2"])).partner_id == channel.partners["P1"]
        # P1 is full again; P2's place is free since it declined L2.
        assert (await distribute(s, system, leads["L6"])).partner_id == channel.partners["P2"]
    async with tenant_session(sessions, system, read_only=True) as s:
        events = await s.execute(text("select event_type from app.outbox where entity_id = :l"), {"l": leads["L2"]})
        assert sorted(events.scalars()) == ["lead.assigned", "lead.assigned", "lead.declined"]


async def test_capacity_holds_under_concurrency(sessions, channel):
    leads = [await new_lead(sessions, channel, f"C{i}", "AMER", distribute_now=False) for i in range(5)]
    system = Principal.system(channel.tenant_id)

    async def offer(lead_id):
        async with tenant_session(sessions, system) as s:
            return await distribute(s, system, lead_id)

    offers = await asyncio.gather(*(offer(lead_id) for lead_id in leads))
    assert sum(o is not None for o in offers) == 3  # P3's capacity, not one more
    assert [await holder(sessions, channel, lead_id) for lead_id in leads].count("P3") == 3


async def test_sla_timeout_returns_the_lead_and_offers_it_to_the_next_partner(client, sessions, channel):
    async with tenant_session(sessions, Principal.platform(None)) as s:
        await s.execute(text("update platform.tenants set lead_sla_hours = 24 where id = :t"), {"t": channel.tenant_id})
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
    lead_id = await new_lead(sessions, channel, "Slow", now=t0)
    gid = to_global_id("Lead", lead_id)
    body = await gql(client, LEAD, {"id": gid}, token=channel.token("P1_admin"))
    assert dt.datetime.fromisoformat(body["data"]["lead"]["acceptBy"]) == t0 + dt.timedelta(hours=24)
    system = Principal.system(channel.tenant_id)

    async def sweep(at):
        async with tenant_session(sessions, system) as s:
            return await return_overdue_leads(s, at)

    assert await sweep(t0 + dt.timedelta(hours=23)) == []
    assert await sweep(t0 + dt.timedelta(hours=25)) == [lead_id]
    assert await holder(sessions, channel, lead_id) == "P2"
    assert await sweep(t0 + dt.timedelta(hours=25)) == []  # idempotent
    # P1 let it lapse: the lead is gone from its view, and it cannot accept it any more.
    assert codes(await gql(client, LEAD, {"id": gid}, token=channel.token("P1_admin"))) == ["NOT_FOUND"]
    assert codes(await gql(client, ACCEPT, {"id": gid}, token=channel.token("P1_rep"))) == ["NOT_FOUND"]
    # P2's offer lapses too; P1 and P2 are both out, so the lead waits in the pool.
    assert await sweep(t0 + dt.timedelta(hours=50)) == [lead_id]
    assert await holder(sessions, channel, lead_id) is None
    owner = await gql(client, LEAD, {"id": gid}, token=channel.token("owner"))
    assert owner["data"]["lead"]["status"] == "POOL"
    assert [(a["status"], a["partner"]["name"]) for a in owner["data"]["lead"]["assignments"]] == [
        ("EXPIRED", "P2"),
        ("EXPIRED", "P1"),
    ]
    async with tenant_session(sessions, system, read_only=True) as s:
        returned = await s.execute(
            text("select count(*) from app.outbox where entity_id = :l and event_type = 'lead.returned'"),
            {"l": lead_id},
        )
        assert returned.scalar() == 2


async def test_contact_hidden_until_accepted_and_conversion(client, sessions, channel):
    lead_id = await new_lead(sessions, channel, "Acme")
    gid = to_global_id("Lead", lead_id)
    offered = await gql(client, LEAD, {"id": gid}, token=channel.token("P1_rep"))
    assert "errors" not in offered, offered
    lead = offered["data"]["lead"]
    assert (lead["companyName"], lead["territory"], lead["need"]) == ("Acme", "EMEA", "50 seats")
    assert lead["contact"] is None
    vendor = await gql(client, LEAD, {"id": gid}, token=channel.token("owner"))
    assert vendor["data"]["lead"]["contact"]["email"] == "lee@acme.example"
    # The database decides, not the resolver: as the partner, the contact row is not there.
    p1 = channel.partner_principal("P1")
    async with tenant_session(sessions, p1, read_only=True) as s:
        assert (await s.execute(text("select count(*) from app.leads"))).scalar() == 1
        assert (await s.execute(text("select count(*) from app.lead_contacts"))).scalar() == 0
    with pytest.raises(DBAPIError, match="row-level security"):
        async with tenant_session(sessions, p1) as s:  # partners write no lead rows directly
            await s.execute(text("update app.lead_assignments set status = 'accepted'"))

    accepted = await gql(client, ACCEPT, {"id": gid}, token=channel.token("P1_rep"))
    assert "errors" not in accepted, accepted
    lead = accepted["data"]["acceptLead"]["lead"]
    assert lead["status"] == "CONVERTED"
    assert lead["contact"] == {"email": "lee@acme.example"}
    assert lead["customer"] == {"name": "Acme"}
    assert lead["deal"] == {
        "title": "Acme: 50 seats",
        "source": "PARTNER_SOURCED",
        "status": "OPEN",
        "partner": {"name": "P1"},
    }
    async with tenant_session(sessions, p1, read_only=True) as s:
        assert (await s.execute(text("select email from app.lead_contacts"))).scalar() == "lee@acme.example"
        contact = await s.execute(text("select email from app.contacts where lower(email) = 'lee@acme.example'"))
        assert contact.scalar() == "lee@acme.example"
    async with tenant_session(sessions, channel.partner_principal("P2"), read_only=True) as s:
        assert (await s.execute(text("select count(*) from app.lead_contacts"))).scalar() == 0
    async with tenant_session(sessions, Principal.system(channel.tenant_id), read_only=True) as s:
        events = await s.execute(text("select event_type from app.outbox where entity_id = :l"), {"l": lead_id})
        assert sorted(events.scalars()) == ["lead.accepted", "lead.assigned", "lead.converted"]
    assert codes(await gql(client, ACCEPT, {"id": gid}, token=channel.token("P1_admin"))) == ["CONFLICT"]


async def test_decline_and_manual_assignment(client, sessions, channel):
    lead_id = await new_lead(sessions, channel, "Globex")
    gid = to_global_id("Lead", lead_id)
    declined = await gql(client, DECLINE, {"id": gid}, token=channel.token("P1_admin"))
    assert declined["data"]["declineLead"]["leadId"] == gid
    assert await holder(sessions, channel, lead_id) == "P2"
    p1, p3 = to_global_id("Partner", channel.partners["P1"]), to_global_id("Partner", channel.partners["P3"])
    assert codes(await gql(client, ASSIGN, {"id": gid, "p": p1}, token=channel.token("owner"))) == ["CONFLICT"]
    assert codes(await gql(client, ASSIGN, {"id": gid, "p": p3}, token=channel.token("sales_manager"))) == ["FORBIDDEN"]
    moved = await gql(client, ASSIGN, {"id": gid, "p": p3}, token=channel.token("channel_manager"))
    lead = moved["data"]["assignLead"]["lead"]
    assert lead["partner"] == {"name": "P3"}
    assert [(a["status"], a["method"]) for a in lead["assignments"]] == [
        ("OFFERED", "MANUAL"),
        ("WITHDRAWN", "RULE"),
        ("DECLINED", "RULE"),
    ]
    assert codes(await gql(client, LEAD, {"id": gid}, token=channel.token("P2_admin"))) == ["NOT_FOUND"]


async def test_create_lead_through_the_graph(client, channel):
    variables = {
        "i": {
            "companyName": "Initech",
            "source": "trade show",
            "territory": "AMER",
            "contact": {"firstName": "Bill", "email": "bill@initech.example"},
        }
    }
    made = await gql(client, CREATE, variables, token=channel.token("sales_manager"))
    assert made["data"]["createLead"]["lead"]["status"] == "OFFERED"
    assert made["data"]["createLead"]["lead"]["partner"] == {"name": "P3"}
    assert codes(await gql(client, CREATE, variables, token=channel.token("P3_admin"))) == ["FORBIDDEN"]
    bad = {"i": variables["i"] | {"companyName": " "}}
    assert codes(await gql(client, CREATE, bad, token=channel.token("owner"))) == ["BAD_USER_INPUT"]


async def test_partners_never_see_each_others_leads(app, client, sessions, channel, new_tenant):
    mine = await new_lead(sessions, channel, "Mine")  # P1
    theirs = await new_lead(sessions, channel, "Theirs")  # P2
    theirs_gid = to_global_id("Lead", theirs)
    for persona in ("P1_admin", "P1_rep"):
        token = channel.token(persona)
        listed = await gql(client, LEADS, token=token)
        assert [e["node"]["companyName"] for e in listed["data"]["leads"]["edges"]] == ["Mine"]
        assert listed["data"]["leads"]["totalCount"] == 1
        p2 = {"f": {"partnerId": to_global_id("Partner", channel.partners["P2"])}}
        assert (await gql(client, LEADS, p2, token=token))["data"]["leads"]["totalCount"] == 0
        assert codes(await gql(client, LEAD, {"id": theirs_gid}, token=token)) == ["NOT_FOUND"]
        node = await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": theirs_gid}, token=token)
        assert codes(node) == ["NOT_FOUND"]
        nodes = await gql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [theirs_gid]}, token=token)
        assert nodes["data"]["nodes"] == [None]
        for doc in (ACCEPT, DECLINE):
            assert codes(await gql(client, doc, {"id": theirs_gid}, token=token)) == ["NOT_FOUND"]
    assert await holder(sessions, channel, theirs) == "P2"  # untouched
    own = await gql(client, LEAD, {"id": to_global_id("Lead", mine)}, token=channel.token("P1_admin"))
    assert [a["partner"]["name"] for a in own["data"]["lead"]["assignments"]] == ["P1"]
    async with tenant_session(sessions, channel.partner_principal("P1"), read_only=True) as s:
        for sql in (
            "select count(*) from app.leads where id = :id or partner_id <> :p",
            "select count(*) from app.lead_assignments where lead_id = :id or partner_id <> :p",
            "select count(*) from app.lead_contacts where lead_id = :id",
        ):
            assert (await s.execute(text(sql), {"id": theirs, "p": channel.partners["P1"]})).scalar() == 0, sql
    # Another tenant's vendor: not found either.
    other = await new_tenant("leads-other")
    async with tenant_session(sessions, Principal.system(other.id)) as s:
        await s.execute(text("update app.users set status = 'active'"))
    foreign = await gql(client, LEAD, {"id": theirs_gid}, token=app.state.tokens.mint(other.id, other.admin_id))
    assert codes(foreign) == ["NOT_FOUND"]


UPDATE = """mutation($id: ID!, $v: Int!, $i: UpdateLeadInput!) { updateLead(id: $id, version: $v, input: $i) {
    lead { companyName companyDomain territory need source status version } } }"""
ARCHIVE = """mutation($id: ID!, $v: Int!) { archiveLead(id: $id, version: $v) {
    lead { status archivedAt version partner { name } assignments { status partner { name } } } } }"""


async def version_of(client, channel, gid) -> int:
    body = await gql(client, "query($id: ID!) { lead(id: $id) { version } }", {"id": gid}, token=channel.token("owner"))
    return body["data"]["lead"]["version"]


async def lead_rows(sessions, channel) -> list[tuple]:
    async with tenant_session(sessions, Principal.system(channel.tenant_id), read_only=True) as s:
        leads = [tuple(r) for r in await s.execute(text("select * from app.leads order by id"))]
        offers = [tuple(r) for r in await s.execute(text("select * from app.lead_assignments order by id"))]
        events = (await s.execute(text("select count(*) from app.outbox"))).scalar()
    return leads + offers + [events]


async def test_vendors_edit_a_lead_until_it_converts(client, sessions, channel):
    gid = to_global_id("Lead", await new_lead(sessions, channel, "Edit"))
    version = await version_of(client, channel, gid)
    change = {"need": "80 seats", "territory": "EMEA", "companyDomain": "HTTPS://www.Edit.example/"}
    body = await gql(client, UPDATE, {"id": gid, "v": version, "i": change}, token=channel.token("sales_manager"))
    assert body["data"]["updateLead"]["lead"] == {
        "companyName": "Edit",
        "companyDomain": "edit.example",
        "territory": "EMEA",
        "need": "80 seats",
        "source": "webinar",
        "status": "OFFERED",
        "version": version + 1,
    }
    before = await lead_rows(sessions, channel)
    for token, variables, code in (
        (channel.token("owner"), {"v": version, "i": {"need": "stale"}}, "CONFLICT"),
        (channel.token("owner"), {"v": version + 1, "i": {"companyName": "  "}}, "BAD_USER_INPUT"),
        (channel.token("owner"), {"v": version + 1, "i": {"source": None}}, "BAD_USER_INPUT"),
        (channel.token("P1_admin"), {"v": version + 1, "i": {"need": "ours"}}, "FORBIDDEN"),
        (None, {"v": version + 1, "i": {"need": "anyone"}}, "UNAUTHENTICATED"),
    ):
        assert codes(await gql(client, UPDATE, {"id": gid} | variables, token=token)) == [code], variables
    assert await lead_rows(sessions, channel) == before
    assert "errors" not in await gql(client, ACCEPT, {"id": gid}, token=channel.token("P1_rep"))
    converted = {"id": gid, "v": await version_of(client, channel, gid), "i": {"need": "late"}}
    assert codes(await gql(client, UPDATE, converted, token=channel.token("owner"))) == ["CONFLICT"]


async def test_archiving_a_lead_withdraws_its_offer_and_it_is_never_offered_again(client, sessions, channel):
    lead_id = await new_lead(sessions, channel, "Shelved")
    gid = to_global_id("Lead", lead_id)
    assert await holder(sessions, channel, lead_id) == "P1"
    version = await version_of(client, channel, gid)
    before = await lead_rows(sessions, channel)
    for persona in ("P1_admin", "P1_rep"):
        body = await gql(client, ARCHIVE, {"id": gid, "v": version}, token=channel.token(persona))
        assert codes(body) == ["FORBIDDEN"], persona
    stale = await gql(client, ARCHIVE, {"id": gid, "v": version - 1}, token=channel.token("owner"))
    assert codes(stale) == ["CONFLICT"]
    assert await lead_rows(sessions, channel) == before

    body = await gql(client, ARCHIVE, {"id": gid, "v": version}, token=channel.token("channel_manager"))
    archived = body["data"]["archiveLead"]["lead"]
    assert archived["archivedAt"] is not None and (archived["status"], archived["partner"]) == ("POOL", None)
    assert [(a["status"], a["partner"]["name"]) for a in archived["assignments"]] == [("WITHDRAWN", "P1")]
    again = await gql(client, ARCHIVE, {"id": gid, "v": archived["version"]}, token=channel.token("owner"))
    assert again["data"]["archiveLead"]["lead"] == archived  # archiving again changes nothing

    # The partner lost the offer; the lead leaves the lists, and nothing offers or edits it any more.
    assert codes(await gql(client, ACCEPT, {"id": gid}, token=channel.token("P1_admin"))) == ["NOT_FOUND"]
    listed = await gql(client, LEADS, token=channel.token("owner"))
    assert gid not in [e["node"]["id"] for e in listed["data"]["leads"]["edges"]]
    shelved = await gql(client, LEADS, {"f": {"includeArchived": True}}, token=channel.token("owner"))
    assert gid in [e["node"]["id"] for e in shelved["data"]["leads"]["edges"]]
    frozen = await lead_rows(sessions, channel)
    for doc, variables in (
        ("mutation($id: ID!) { distributeLead(id: $id) { lead { id } } }", {"id": gid}),
        (ASSIGN, {"id": gid, "p": to_global_id("Partner", channel.partners["P2"])}),
        (UPDATE, {"id": gid, "v": archived["version"], "i": {"need": "x"}}),
    ):
        assert codes(await gql(client, doc, variables, token=channel.token("owner"))) == ["CONFLICT"], doc
    assert await lead_rows(sessions, channel) == frozen
    async with tenant_session(sessions, Principal.system(channel.tenant_id), read_only=True) as s:
        returned = await s.execute(
            text("select payload from app.outbox where entity_id = :l and event_type = 'lead.returned'"), {"l": lead_id}
        )
        assert list(returned.scalars()) == [{"partner_id": str(channel.partners["P1"]), "reason": "archived"}]

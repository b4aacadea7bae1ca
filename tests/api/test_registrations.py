"""Deal registration through the graph: the lifecycle per audience with audit entries and events,
conflicts (redacted for partners), the approval race, protection expiry on a controlled clock, isolation
between partners, and a partner withdrawing its own registration (it then claims nothing)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from authz.principal import Audience, Principal
from schema.relay import from_global_id, to_global_id
from tenants.customers.service import create_customer
from tenants.database import tenant_session
from tenants.deals.service import create_deal
from tenants.identity.users import create_member
from tenants.partners.service import create_partner
from tenants.registrations.expiry import expire_registrations
from tenants.registrations.service import submit_registration
from tests.client import codes, gql

pytestmark = pytest.mark.asyncio(loop_scope="session")

SUBMIT = """mutation($i: SubmitRegistrationInput!) { submitRegistration(input: $i) {
    registration { id status version companyName }
    conflicts { kind rule score reason otherPartner { name } otherRegistration { id } deal { id } } } }"""
READ = """query($id: ID!) { registration(id: $id) { id status version rejectionReason protectionEndsAt extensions
    partner { name } deal { id title source } customer { id }
    conflicts { kind rule score reason otherPartner { name } otherRegistration { id } deal { id } } } }"""
LIST = "{ registrations(first: 50) { totalCount edges { node { id companyName } } } }"
APPROVE = "mutation($id: ID!, $v: Int!) { approveRegistration(id: $id, version: $v) { registration { id status version protectionEndsAt } } }"
REJECT = "mutation($id: ID!, $v: Int!, $r: String!) { rejectRegistration(id: $id, version: $v, reason: $r) { registration { status rejectionReason version } } }"
EXTEND = "mutation($id: ID!, $v: Int!, $d: Int) { extendRegistration(id: $id, version: $v, days: $d) { registration { protectionEndsAt extensions version } } }"


def unique_domain() -> str:
    return f"acme-{uuid.uuid4().hex[:8]}.com"


async def submit(client, world, persona, name, domain=None, **extra):
    body = await gql(
        client,
        SUBMIT,
        {"i": {"companyName": name, "companyDomain": domain, "amount": "5000", "product": "Seats"} | extra},
        token=world.token(persona),
    )
    assert "errors" not in body, body
    return body["data"]["submitRegistration"]


async def read(client, world, persona, gid):
    return await gql(client, READ, {"id": gid}, token=world.token(persona))


async def system_rows(sessions, world, sql, **params):
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        return [tuple(r) for r in (await s.execute(text(sql), params)).all()]


async def direct_deal(sessions, world, name, domain):
    """The vendor's own open deal with a customer of its own."""
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        customer = await create_customer(s, system, {"name": name, "domain": domain})
        deal = await create_deal(s, system, {"title": "Direct", "customer_id": customer.id, "currency": "USD"})
    return customer.id, deal.id


async def test_lifecycle_per_audience(client, sessions, world):
    domain = unique_domain()
    customer_id, deal_id = await direct_deal(sessions, world, "Acme Widgets", f"sales.{domain}")
    payload = {"i": {"companyName": "Acme Widgets Ltd", "companyDomain": domain}}
    # Who may submit: partner users only.
    for persona, code in (("owner", "FORBIDDEN"), ("channel_manager", "FORBIDDEN"), ("customer", "FORBIDDEN")):
        assert codes(await gql(client, SUBMIT, payload, token=world.token(persona))) == [code], persona
    assert codes(await gql(client, SUBMIT, payload)) == ["UNAUTHENTICATED"]
    first = await submit(
        client,
        world,
        "dist_rep",
        "Acme Widgets Ltd",
        f"https://www.{domain}/",
        contactName="Ann Lee",
        contactEmail="ann@" + domain,
    )
    assert first["registration"]["status"] == "SUBMITTED"
    # The vendor's own open deal with the customer is a (direct) conflict, matched on the registrable domain.
    assert [(c["kind"], c["rule"], c["score"]) for c in first["conflicts"]] == [
        ("DIRECT_DEAL", "REGISTRABLE_DOMAIN", 95)
    ]
    assert first["conflicts"][0]["deal"] is None  # partners never get the vendor's deal
    dist_reg = first["registration"]["id"]

    second = await submit(client, world, "other_rep", "ACME Widgets", domain)
    kinds = {(c["kind"], c["rule"], c["score"]) for c in second["conflicts"]}
    assert kinds == {("PARTNER_REGISTRATION", "DOMAIN", 100), ("DIRECT_DEAL", "REGISTRABLE_DOMAIN", 95)}
    partner_view = next(c for c in second["conflicts"] if c["kind"] == "PARTNER_REGISTRATION")
    assert partner_view["reason"].startswith("conflicts with another partner's registration")
    assert partner_view["otherPartner"] is None and partner_view["otherRegistration"] is None
    other_reg = second["registration"]["id"]

    # Vendors see everything about a conflict; partners only that there is one, never whose.
    vendor = (await read(client, world, "channel_manager", other_reg))["data"]["registration"]
    assert {c["otherPartner"]["name"] for c in vendor["conflicts"] if c["otherPartner"]} == {"Northwind"}
    assert {c["otherRegistration"]["id"] for c in vendor["conflicts"] if c["otherRegistration"]} == {dist_reg}
    assert to_global_id("Deal", deal_id) in {c["deal"]["id"] for c in vendor["conflicts"] if c["deal"]}
    for persona, gid, hidden in (("other_rep", other_reg, "Northwind"), ("dist_admin", dist_reg, "Fabrikam")):
        body = await read(client, world, persona, gid)
        assert "errors" not in body, body
        assert body["data"]["registration"]["conflicts"], persona  # both sides see the conflict...
        assert hidden not in str(body) and (dist_reg if gid == other_reg else other_reg) not in str(
            body
        )  # ...not whose

    # Who sees which registrations.
    for persona, expected in (
        ("owner", 2),
        ("channel_manager", 2),
        ("sales_manager", 2),
        ("dist_rep", 1),
        ("dist_admin", 1),
        ("other_admin", 1),
        ("sub_admin", 0),
        ("sub_rep", 0),
    ):
        body = await gql(client, LIST, token=world.token(persona))
        assert body["data"]["registrations"]["totalCount"] == expected, persona
    for persona in ("support", "rep1", "customer"):
        assert codes(await gql(client, LIST, token=world.token(persona))) == ["FORBIDDEN"], persona

    # Who may approve: the channel team only.
    for persona in ("dist_admin", "other_admin", "sales_manager", "rep1", "customer"):
        body = await gql(client, APPROVE, {"id": dist_reg, "v": 1}, token=world.token(persona))
        assert codes(body) == ["FORBIDDEN"], persona
    approved = await gql(client, APPROVE, {"id": dist_reg, "v": 1}, token=world.token("channel_manager"))
    assert approved["data"]["approveRegistration"]["registration"]["status"] == "APPROVED", approved
    ends = dt.datetime.fromisoformat(approved["data"]["approveRegistration"]["registration"]["protectionEndsAt"])
    assert abs(ends - dt.datetime.now(dt.UTC) - dt.timedelta(days=90)) < dt.timedelta(minutes=5)
    seen = (await read(client, world, "dist_rep", dist_reg))["data"]["registration"]
    assert seen["deal"]["source"] == "PARTNER_SOURCED" and seen["partner"]["name"] == "Northwind"
    assert seen["customer"]["id"] == to_global_id("Customer", customer_id)  # linked by registrable domain
    deal_partner = await system_rows(
        sessions,
        world,
        "select d.partner_id, d.source, p.role from app.deals d join app.deal_partners p"
        " on p.deal_id = d.id where d.id = (select deal_id from app.registrations where id = :r)",
        r=uuid.UUID(value_of(dist_reg)),
    )
    assert deal_partner == [(world.partners["dist"], "partner_sourced", "sourced")]
    # The other partner's conflicting registration cannot be approved while this one is protected.
    blocked = await gql(client, APPROVE, {"id": other_reg, "v": 1}, token=world.token("admin"))
    assert codes(blocked) == ["CONFLICT"]

    # Reject: the channel team, with a reason.
    assert codes(
        await gql(client, REJECT, {"id": other_reg, "v": 1, "r": "dup"}, token=world.token("other_admin"))
    ) == ["FORBIDDEN"]
    assert codes(await gql(client, REJECT, {"id": other_reg, "v": 1, "r": " "}, token=world.token("admin"))) == [
        "BAD_USER_INPUT"
    ]
    rejected = await gql(
        client, REJECT, {"id": other_reg, "v": 1, "r": "Northwind registered first"}, token=world.token("admin")
    )
    assert rejected["data"]["rejectRegistration"]["registration"]["status"] == "REJECTED"
    assert codes(await gql(client, REJECT, {"id": other_reg, "v": 2, "r": "again"}, token=world.token("admin"))) == [
        "CONFLICT"
    ]
    still = (await read(client, world, "other_rep", other_reg))["data"]["registration"]
    assert still["status"] == "REJECTED" and still["rejectionReason"] == "Northwind registered first"

    # Extend: the channel team; the window grows by the given days.
    for persona in ("dist_admin", "sales_manager"):
        assert codes(await gql(client, EXTEND, {"id": dist_reg, "v": 2, "d": 30}, token=world.token(persona))) == [
            "FORBIDDEN"
        ]
    extended = await gql(client, EXTEND, {"id": dist_reg, "v": 2, "d": 30}, token=world.token("owner"))
    registration = extended["data"]["extendRegistration"]["registration"]
    assert dt.datetime.fromisoformat(registration["protectionEndsAt"]) - ends == dt.timedelta(days=30)
    assert registration["extensions"] == 1
    assert codes(await gql(client, EXTEND, {"id": dist_reg, "v": 3, "d": 0}, token=world.token("owner"))) == [
        "BAD_USER_INPUT"
    ]

    audit = await system_rows(
        sessions,
        world,
        "select action, actor_audience from app.audit_log where entity_type = 'Registration' order by at, action",
    )
    assert sorted(audit) == sorted(
        [
            ("registration.submit", "partner"),
            ("registration.submit", "partner"),
            ("registration.approve", "vendor"),
            ("registration.reject", "vendor"),
            ("registration.extend", "vendor"),
        ]
    )
    events = await system_rows(
        sessions, world, "select event_type from app.outbox where entity_type = 'Registration' order by created_at"
    )
    assert sorted(e for (e,) in events) == sorted(
        [
            "registration.submitted",
            "registration.submitted",
            "registration.approved",
            "registration.rejected",
            "registration.extended",
        ]
    )


def value_of(global_id: str) -> str:
    from schema.relay import from_global_id

    return str(from_global_id(global_id)[1])


async def test_submissions_are_validated(client, world):
    for extra, field in (
        ({"companyName": "  "}, "companyName"),
        ({"companyName": "Acme", "companyDomain": "co.uk"}, "companyDomain"),
        ({"companyName": "Acme", "contactEmail": "nope"}, "contactEmail"),
        ({"companyName": "Acme", "amount": "-1"}, "amount"),
        ({"companyName": "Acme", "currency": "usd"}, "currency"),
        ({"companyName": "Acme", "partnerId": to_global_id("Partner", world.partners["other"])}, "partnerId"),
    ):
        body = await gql(client, SUBMIT, {"i": extra}, token=world.token("dist_rep"))
        assert codes(body) == ["BAD_USER_INPUT"], extra
        assert body["errors"][0]["extensions"]["field"] == field
    assert (await gql(client, LIST, token=world.token("owner")))["data"]["registrations"]["totalCount"] == 0


async def extra_partners(sessions, world, count):
    """`count` more partners, each with a partner rep, as principals for the services."""
    system = Principal.system(world.tenant_id)
    principals = []
    async with tenant_session(sessions, system) as s:
        for i in range(count):
            partner = await create_partner(s, system, {"name": f"Racer {i}", "kind": "reseller", "status": "active"})
            user = await create_member(
                s,
                system,
                email=f"racer{i}@racer.example",
                name=f"R{i}",
                audience="partner",
                roles=["partner_rep"],
                partner_id=partner.id,
                status="active",
            )
            principals.append(
                Principal(
                    Audience.PARTNER,
                    user_id=user.id,
                    tenant_id=world.tenant_id,
                    roles=frozenset({"partner_rep"}),
                    partner_id=partner.id,
                )
            )
    return principals


@pytest.mark.parametrize("by", ["domain", "similar name"])
async def test_concurrent_approvals_leave_exactly_one_approved(client, sessions, world, by):
    racers = await extra_partners(sessions, world, 8)
    domain = unique_domain()
    ids = []
    for i, principal in enumerate(racers):
        fields = {"company_name": f"Globex Systems {'Inc' if i % 2 else 'GmbH'}"}
        if by == "domain":
            fields["company_domain"] = f"{'www' if i % 2 else f'shop{i}'}.{domain}"
        else:
            fields["company_name"] = ("Globex Systems", "Globex System", "GLOBEX SYSTEMS, Inc.")[i % 3] + f" {domain}"
        async with tenant_session(sessions, principal) as s:
            registration, _ = await submit_registration(s, principal, fields)
        ids.append(registration.id)
    results = await asyncio.gather(
        *(
            gql(client, APPROVE, {"id": to_global_id("Registration", i), "v": 1}, token=world.token(manager))
            for i, manager in zip(ids, ["channel_manager", "admin", "owner"] * 3, strict=False)
        )
    )
    outcomes = sorted("ok" if "errors" not in r else codes(r)[0] for r in results)
    assert outcomes == ["CONFLICT"] * 7 + ["ok"], results
    rows = await system_rows(sessions, world, "select status from app.registrations where id = any(:ids)", ids=ids)
    assert sorted(s for (s,) in rows) == ["approved"] + ["submitted"] * 7
    deals = await system_rows(
        sessions,
        world,
        "select count(*) from app.deals where source = 'partner_sourced' and lower(title) like 'globex%'",
    )
    assert deals == [(1,)]  # the refused approvals left nothing behind


async def test_the_database_refuses_two_approved_registrations_for_one_domain(sessions, world):
    racers = await extra_partners(sessions, world, 2)
    domain = unique_domain()
    ids = []
    for principal in racers:
        async with tenant_session(sessions, principal) as s:
            registration, _ = await submit_registration(
                s, principal, {"company_name": "Initech", "company_domain": domain}
            )
        ids.append(registration.id)
    approve = "update app.registrations set status = 'approved', protection_ends_at = now() where id = :id"
    async with tenant_session(sessions, Principal.system(world.tenant_id)) as s:
        await s.execute(text(approve), {"id": ids[0]})
    with pytest.raises(IntegrityError, match="uq_registrations_tenant_id_domain_key_approved"):
        async with tenant_session(sessions, Principal.system(world.tenant_id)) as s:
            await s.execute(text(approve), {"id": ids[1]})


CLOSE = "mutation($id: ID!, $v: Int!) { closeDeal(input: {id: $id, version: $v, won: true}) { deal { status } } }"


async def approved_registration(client, sessions, world, persona, name):
    created = await submit(client, world, persona, name, unique_domain())
    gid = created["registration"]["id"]
    body = await gql(client, APPROVE, {"id": gid, "v": 1}, token=world.token("channel_manager"))
    assert "errors" not in body, body
    row = await system_rows(
        sessions,
        world,
        "select protection_ends_at, deal_id from app.registrations where id = :id",
        id=uuid.UUID(value_of(gid)),
    )
    return gid, row[0][0], row[0][1]


async def expire(sessions, world, now):
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        return await expire_registrations(s, system, now)


async def test_protection_expires_at_the_end_unless_won(client, sessions, world):
    won_gid, won_ends, won_deal = await approved_registration(client, sessions, world, "dist_rep", "Umbrella")
    lapse_gid, lapse_ends, _ = await approved_registration(client, sessions, world, "other_rep", "Hooli")
    closed = await gql(
        client, CLOSE, {"id": to_global_id("Deal", won_deal), "v": 1}, token=world.token("channel_manager")
    )
    assert "errors" not in closed, closed

    run = await expire(sessions, world, lapse_ends - dt.timedelta(microseconds=1))
    assert run.expired == [] and [str(i) for i in run.won] == [value_of(won_gid)]
    assert (await read(client, world, "other_rep", lapse_gid))["data"]["registration"]["status"] == "APPROVED"

    run = await expire(sessions, world, lapse_ends)
    assert [str(i) for i in run.expired] == [value_of(lapse_gid)] and run.won == []
    lapsed = (await read(client, world, "other_rep", lapse_gid))["data"]["registration"]
    assert lapsed["status"] == "EXPIRED"  # expired registrations stay readable
    assert (await read(client, world, "dist_rep", won_gid))["data"]["registration"]["status"] == "WON"

    # Idempotent: the same (or a later) clock finds nothing more; the won one never expires.
    again = await expire(sessions, world, max(lapse_ends, won_ends) + dt.timedelta(days=400))
    assert again.expired == [] and again.won == []
    events = await system_rows(
        sessions, world, "select event_type, entity_id from app.outbox where event_type = 'registration.expired'"
    )
    assert [(e, str(i)) for e, i in events] == [("registration.expired", value_of(lapse_gid))]
    audit = await system_rows(
        sessions,
        world,
        "select action from app.audit_log where entity_type = 'Registration' and action in"
        " ('registration.expire', 'registration.won') order by action",
    )
    assert audit == [("registration.expire",), ("registration.won",)]
    # An expired registration is no longer extended.
    version = lapsed["version"]
    body = await gql(client, EXTEND, {"id": lapse_gid, "v": version, "d": 10}, token=world.token("owner"))
    assert codes(body) == ["CONFLICT"]


async def test_a_lapsed_window_no_longer_blocks_approval(client, sessions, world):
    domain = unique_domain()
    first = (await submit(client, world, "dist_rep", "Vandelay", domain))["registration"]["id"]
    second = (await submit(client, world, "other_rep", "Vandelay Industries", domain))["registration"]["id"]
    assert "errors" not in await gql(client, APPROVE, {"id": first, "v": 1}, token=world.token("channel_manager"))
    assert codes(await gql(client, APPROVE, {"id": second, "v": 1}, token=world.token("channel_manager"))) == [
        "CONFLICT"
    ]
    # The window ends before the expiry job runs: approval settles the lapsed one and goes ahead.
    async with tenant_session(sessions, Principal.system(world.tenant_id)) as s:
        await s.execute(
            text("update app.registrations set protection_ends_at = now() - interval '1 minute' where id = :id"),
            {"id": uuid.UUID(value_of(first))},
        )
    body = await gql(client, APPROVE, {"id": second, "v": 1}, token=world.token("channel_manager"))
    assert body["data"]["approveRegistration"]["registration"]["status"] == "APPROVED", body
    assert (await read(client, world, "owner", first))["data"]["registration"]["status"] == "EXPIRED"


async def test_partners_never_see_each_others_registrations(client, sessions, world, app, new_tenant):
    from tests.world import build_world

    domain = unique_domain()
    mine = (await submit(client, world, "dist_rep", "Stark Industries", domain))["registration"]["id"]
    theirs = (await submit(client, world, "other_admin", "Stark Industries Ltd", domain))["registration"]["id"]
    sub = (await submit(client, world, "sub_rep", "Wayne Enterprises", unique_domain()))["registration"]["id"]
    foreign_world = await build_world(sessions, new_tenant, app.state.tokens.mint)
    outside = {
        "other_rep": [mine, sub],
        "other_admin": [mine, sub],
        "dist_admin": [theirs, sub],  # a distributor does not see its sub-partner's registrations either
        "sub_admin": [mine, theirs],
        "customer": [],
    }
    for persona, hidden in outside.items():
        for gid in hidden:
            token = world.token(persona)
            assert codes(
                await gql(client, "query($id: ID!) { registration(id: $id) { id } }", {"id": gid}, token=token)
            ) == ["NOT_FOUND"]
            assert codes(await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": gid}, token=token)) == [
                "NOT_FOUND"
            ]
            nodes = await gql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [gid]}, token=token)
            assert nodes["data"]["nodes"] == [None]
        listed = await gql(client, LIST, token=world.token(persona))
        if persona != "customer":
            assert not {e["node"]["id"] for e in listed["data"]["registrations"]["edges"]} & set(hidden)
    for gid in (mine, theirs):
        body = await gql(
            client, "query($id: ID!) { registration(id: $id) { id } }", {"id": gid}, token=foreign_world.token("owner")
        )
        assert codes(body) == ["NOT_FOUND"]
    # And in the database itself: a partner reads only its own registrations and no conflict rows at all.
    dist_rep = Principal(
        Audience.PARTNER,
        user_id=world.people["dist_rep"].user_id,
        tenant_id=world.tenant_id,
        roles=frozenset({"partner_rep"}),
        partner_id=world.partners["dist"],
    )
    async with tenant_session(sessions, dist_rep, read_only=True) as s:
        own = (await s.execute(text("select id from app.registrations"))).scalars().all()
        assert [str(i) for i in own] == [value_of(mine)]
        assert (await s.execute(text("select count(*) from app.registration_conflicts"))).scalar() == 0
    # A partner cannot change its registration in the database, not even its own.
    async with tenant_session(sessions, dist_rep) as s:
        changed = await s.execute(
            text("update app.registrations set status = 'approved', protection_ends_at = now() where id = :id"),
            {"id": uuid.UUID(value_of(mine))},
        )
        assert changed.rowcount == 0


WITHDRAW = """mutation($id: ID!, $v: Int!) { withdrawRegistration(id: $id, version: $v) {
    registration { id status version closedAt conflicts { kind } } } }"""


async def registration_rows(sessions, world) -> list:
    return await system_rows(
        sessions,
        world,
        "select r.*, (select count(*) from app.registration_conflicts) as conflicts,"
        " (select count(*) from app.outbox) as events from app.registrations r order by r.id",
    )


async def test_a_withdrawn_registration_stops_claiming_and_its_conflicts_no_longer_count(client, sessions, world):
    domain = unique_domain()
    ours = (await submit(client, world, "dist_rep", "Globex", domain))["registration"]
    theirs = await submit(client, world, "other_rep", "Globex Corp", domain)
    assert [c["kind"] for c in theirs["conflicts"]] == ["PARTNER_REGISTRATION"]
    mine = {"id": ours["id"], "v": ours["version"]}

    before = await registration_rows(sessions, world)
    for persona, variables, code in (
        ("owner", mine, "FORBIDDEN"),  # vendors reject; withdrawing is the registering partner's
        ("channel_manager", mine, "FORBIDDEN"),
        ("customer", mine, "FORBIDDEN"),
        ("other_admin", mine, "NOT_FOUND"),
        ("sub_admin", mine, "NOT_FOUND"),  # not even the distributor's own sub-reseller sees it
        ("dist_admin", mine | {"v": ours["version"] + 1}, "CONFLICT"),
    ):
        body = await gql(client, WITHDRAW, variables, token=world.token(persona))
        assert codes(body) == [code], persona
    assert codes(await gql(client, WITHDRAW, mine)) == ["UNAUTHENTICATED"]
    assert await registration_rows(sessions, world) == before

    withdrawn = (await gql(client, WITHDRAW, mine, token=world.token("dist_admin")))["data"]["withdrawRegistration"]
    assert withdrawn["registration"] | {"closedAt": None} == {
        "id": ours["id"],
        "status": "WITHDRAWN",
        "version": ours["version"] + 1,
        "closedAt": None,
        "conflicts": [],
    }
    assert withdrawn["registration"]["closedAt"] is not None
    # The other partner's registration no longer shows it as a rival, and a new one does not meet it.
    vendor = (await read(client, world, "channel_manager", theirs["registration"]["id"]))["data"]["registration"]
    assert vendor["conflicts"] == []
    later = await submit(client, world, "sub_rep", "Globex", domain)
    assert [(c["kind"], c["otherRegistration"]) for c in later["conflicts"]] == [("PARTNER_REGISTRATION", None)]
    rivals = (await read(client, world, "owner", later["registration"]["id"]))["data"]["registration"]["conflicts"]
    assert [c["otherRegistration"]["id"] for c in rivals] == [theirs["registration"]["id"]]

    # It is settled: neither withdrawn again nor decided on.
    done = {"id": ours["id"], "v": ours["version"] + 1}
    assert codes(await gql(client, WITHDRAW, done, token=world.token("dist_rep"))) == ["CONFLICT"]
    assert codes(await gql(client, APPROVE, done, token=world.token("channel_manager"))) == ["CONFLICT"]
    entity = from_global_id(ours["id"])[1]
    assert await system_rows(
        sessions,
        world,
        "select action, actor_id, actor_audience from app.audit_log where entity_id = :e order by at",
        e=entity,
    ) == [
        ("registration.submit", world.people["dist_rep"].user_id, "partner"),
        ("registration.withdraw", world.people["dist_admin"].user_id, "partner"),
    ]
    assert await system_rows(
        sessions, world, "select payload from app.outbox where event_type = 'registration.withdrawn'"
    ) == [({"partner_id": str(world.partners["dist"]), "was": "submitted"},)]


async def test_withdrawing_an_approved_registration_ends_its_protection(client, sessions, world):
    domain = unique_domain()
    first = (await submit(client, world, "other_rep", "Initech", domain))["registration"]
    approved = await gql(client, APPROVE, {"id": first["id"], "v": 1}, token=world.token("channel_manager"))
    version = approved["data"]["approveRegistration"]["registration"]["version"]
    second = (await submit(client, world, "dist_rep", "Initech", domain))["registration"]
    blocked = await gql(client, APPROVE, {"id": second["id"], "v": 1}, token=world.token("channel_manager"))
    assert codes(blocked) == ["CONFLICT"]  # the first is protected

    body = await gql(client, WITHDRAW, {"id": first["id"], "v": version}, token=world.token("other_admin"))
    assert body["data"]["withdrawRegistration"]["registration"]["status"] == "WITHDRAWN"
    deal = (await read(client, world, "owner", first["id"]))["data"]["registration"]["deal"]
    assert deal is not None  # the deal the approval opened stays the partner's to work
    now_free = await gql(client, APPROVE, {"id": second["id"], "v": 1}, token=world.token("channel_manager"))
    assert now_free["data"]["approveRegistration"]["registration"]["status"] == "APPROVED"
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        run = await expire_registrations(s, system, dt.datetime.now(dt.UTC) + dt.timedelta(days=3650))
    assert from_global_id(first["id"])[1] not in run.expired + run.won
    hook = 'mutation { createWebhookEndpoint(input: {url: "https://93.184.215.14/h", eventTypes: ["registration.withdrawn"]}) { secret } }'
    assert "errors" not in await gql(client, hook, token=world.token("owner"))  # a webhook may subscribe to it

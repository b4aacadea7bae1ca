"""Activities through the API: addActivity on a deal, a customer and a partner; the `activities` filters;
partners seeing only their scope's timeline; the customer user refused; and `deal { activities }` newest
first; editing, completing (once: again is a CONFLICT) and deleting (archiving) activities, a partner only its
own partner's."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from authz.principal import Audience, Principal
from schema.relay import from_global_id, to_global_id
from tenants.database import tenant_session
from tests.client import codes, gql
from tests.world import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

ADD = """mutation($in: AddActivityInput!) { addActivity(input: $in) { activity {
    id kind subject body occurredAt dueAt author { email } deal { title } customer { name } partner { name } } } }"""
LIST = """query($f: ActivityFilterInput) { activities(first: 100, filter: $f) {
    totalCount edges { node { subject } } } }"""
ONE = "query($id: ID!) { activity(id: $id) { subject } }"


def gid(world, kind: str, key: str) -> str:
    table = {"Deal": world.deals, "Customer": world.customers, "Partner": world.partners}[kind]
    return to_global_id(kind, table[key])


def token(world, persona: str) -> str | None:
    return None if persona == "anonymous" else world.token(persona)


async def add(client, world, persona, **fields) -> dict:
    body = await gql(client, ADD, {"in": fields}, token=world.token(persona))
    assert "errors" not in body, body
    return body["data"]["addActivity"]["activity"]


async def subjects(client, world, persona, filter_=None) -> list[str]:
    body = await gql(client, LIST, {"f": filter_}, token=world.token(persona))
    assert "errors" not in body, body
    found = body["data"]["activities"]
    assert found["totalCount"] == len(found["edges"])
    return [e["node"]["subject"] for e in found["edges"]]


async def refused(client, sessions, world, persona, doc, variables, code) -> None:
    before = await snapshot(sessions, world.tenant_id)
    body = await gql(client, doc, variables, token=token(world, persona))
    assert codes(body) == [code], body
    assert await snapshot(sessions, world.tenant_id) == before


async def test_add_activity_on_a_deal_a_customer_and_a_partner(client, sessions, world):
    on_deal = await add(
        client, world, "rep1", kind="CALL", subject="Intro call", body="went well", dealId=gid(world, "Deal", "direct")
    )
    assert on_deal | {"id": None, "occurredAt": None} == {
        "id": None,
        "kind": "CALL",
        "subject": "Intro call",
        "body": "went well",
        "occurredAt": None,
        "dueAt": None,
        "author": {"email": f"rep1@{world.slug}.example"},
        "deal": {"title": "Deal direct"},
        "customer": {"name": "Customer direct"},  # taken from the deal
        "partner": None,
    }
    due = "2031-05-06T07:08:09+00:00"
    on_customer = await add(
        client,
        world,
        "support",
        kind="TASK",
        subject="Renewal",
        customerId=gid(world, "Customer", "direct2"),
        dueAt=due,
    )
    assert (on_customer["customer"], on_customer["deal"], on_customer["dueAt"]) == (
        {"name": "Customer direct2"},
        None,
        due,
    )
    on_partner = await add(
        client, world, "channel_manager", kind="MEETING", subject="QBR", partnerId=gid(world, "Partner", "dist")
    )
    assert (on_partner["partner"], on_partner["customer"], on_partner["deal"]) == ({"name": "Northwind"}, None, None)
    by_partner = await add(
        client, world, "sub_rep", kind="EMAIL", subject="Sent quote", dealId=gid(world, "Deal", "sub")
    )
    assert by_partner["author"] == {"email": "sub_rep@sub.example"}
    deal = {"kind": "NOTE", "subject": "x", "dealId": gid(world, "Deal", "direct")}
    for fields, code in (
        ({"kind": "NOTE", "subject": "Nowhere"}, "BAD_USER_INPUT"),  # on nothing
        (deal | {"subject": "  "}, "BAD_USER_INPUT"),
        (deal | {"dealId": gid(world, "Deal", "other")}, "NOT_FOUND"),  # out of sub_rep's scope
    ):
        await refused(client, sessions, world, "sub_rep", ADD, {"in": fields}, code)
    await refused(client, sessions, world, "customer", ADD, {"in": deal}, "FORBIDDEN")
    await refused(client, sessions, world, "anonymous", ADD, {"in": deal}, "UNAUTHENTICATED")


async def test_activity_filters(client, world):
    await add(client, world, "rep2", kind="CALL", subject="Call direct2", dealId=gid(world, "Deal", "direct2"))
    await add(client, world, "rep2", kind="TASK", subject="Task direct2", customerId=gid(world, "Customer", "direct2"))
    await add(client, world, "dist_admin", kind="CALL", subject="Call dist", dealId=gid(world, "Deal", "dist"))
    await add(client, world, "owner", kind="MEETING", subject="Meet dist", partnerId=gid(world, "Partner", "dist"))

    def user(persona: str) -> str:
        return to_global_id("User", world.people[persona].user_id)

    notes = {f"Note on {k}" for k in world.deals}
    cases = [
        (None, notes | {"Call direct2", "Task direct2", "Call dist", "Meet dist"}),
        ({"kind": "NOTE"}, notes),
        ({"kind": "CALL"}, {"Call direct2", "Call dist"}),
        ({"kind": "EMAIL"}, set()),
        ({"dealId": gid(world, "Deal", "direct2")}, {"Note on direct2", "Call direct2"}),
        ({"customerId": gid(world, "Customer", "direct2")}, {"Note on direct2", "Call direct2", "Task direct2"}),
        ({"partnerId": gid(world, "Partner", "dist")}, {"Meet dist"}),
        ({"authorId": user("rep2")}, {"Call direct2", "Task direct2"}),
        ({"authorId": user("dist_admin")}, {"Call dist"}),
        ({"authorId": user("rep2"), "kind": "TASK"}, {"Task direct2"}),
        ({"authorId": user("rep1")}, set()),
    ]
    for filter_, expected in cases:
        found = await subjects(client, world, "admin", filter_)
        assert sorted(found) == sorted(expected), filter_


async def test_partners_see_their_scopes_activities_only(client, sessions, world):
    on_other = await add(
        client, world, "other_rep", kind="NOTE", subject="Fabrikam only", dealId=gid(world, "Deal", "other")
    )
    await add(client, world, "owner", kind="MEETING", subject="Northwind QBR", partnerId=gid(world, "Partner", "dist"))
    await add(client, world, "owner", kind="CALL", subject="Vendor only", customerId=gid(world, "Customer", "direct"))
    expected = {
        "dist_admin": {"Note on dist", "Note on sub", "Northwind QBR"},
        "dist_rep": {"Note on dist", "Note on sub", "Northwind QBR"},
        "sub_admin": {"Note on sub"},
        "sub_rep": {"Note on sub"},
        "other_admin": {"Note on other", "Fabrikam only"},
        "other_rep": {"Note on other", "Fabrikam only"},
    }
    for persona, seen in expected.items():
        assert set(await subjects(client, world, persona)) == seen, persona
    # Filtering by another partner's ids finds nothing; an id outside the scope is not found.
    assert await subjects(client, world, "dist_rep", {"dealId": gid(world, "Deal", "other")}) == []
    assert await subjects(client, world, "sub_rep", {"partnerId": gid(world, "Partner", "dist")}) == []
    for persona in ("dist_admin", "sub_rep"):
        body = await gql(client, ONE, {"id": on_other["id"]}, token=world.token(persona))
        assert codes(body) == ["NOT_FOUND"] and body["data"] == {"activity": None}
    body = await gql(client, ONE, {"id": on_other["id"]}, token=world.token("other_admin"))
    assert body["data"]["activity"] == {"subject": "Fabrikam only"}
    foreign = {"in": {"kind": "NOTE", "subject": "x", "customerId": gid(world, "Customer", "other")}}
    await refused(client, sessions, world, "dist_rep", ADD, foreign, "NOT_FOUND")


async def test_the_customer_user_is_refused_activities(client, world):
    for doc in (
        "{ activities(first: 5) { totalCount } }",
        "{ activities(first: 5, filter: {kind: NOTE}) { edges { node { subject } } } }",
        "{ customers(first: 5) { edges { node { activities { subject } } } } }",
        "{ deals(first: 5) { edges { node { activities { subject } } } } }",
    ):
        body = await gql(client, doc, token=world.token("customer"))
        assert codes(body) == ["FORBIDDEN"] and body.get("data") is None, doc
    body = await gql(client, "{ activities(first: 5) { totalCount } }")
    assert codes(body) == ["UNAUTHENTICATED"]
    # The same customer still reads its own deals.
    deals = await gql(client, "{ deals(first: 5) { edges { node { title } } } }", token=world.token("customer"))
    assert [e["node"]["title"] for e in deals["data"]["deals"]["edges"]] == ["Deal dist"]


async def test_deal_activities_are_newest_first(client, world):
    deal = gid(world, "Deal", "dist")
    await add(client, world, "owner", kind="CALL", subject="2020", dealId=deal, occurredAt="2020-01-01T00:00:00Z")
    await add(client, world, "dist_rep", kind="NOTE", subject="just now", dealId=deal)
    await add(client, world, "owner", kind="TASK", subject="2021", dealId=deal, occurredAt="2021-06-01T12:00:00Z")
    await add(client, world, "owner", kind="MEETING", subject="elsewhere", dealId=gid(world, "Deal", "sub"))
    query = "query($id: ID!) { deal(id: $id) { activities { subject occurredAt } } }"
    newest_first = ["just now", "Note on dist", "2021", "2020"]
    for persona in ("owner", "dist_rep"):
        body = await gql(client, query, {"id": deal}, token=world.token(persona))
        activities = body["data"]["deal"]["activities"]
        assert [a["subject"] for a in activities] == newest_first
        assert [a["occurredAt"] for a in activities[-2:]] == ["2021-06-01T12:00:00+00:00", "2020-01-01T00:00:00+00:00"]
    page = await gql(
        client,
        "query($id: ID!) { deal(id: $id) { activities(first: 2) { subject } } }",
        {"id": deal},
        token=world.token("owner"),
    )
    assert [a["subject"] for a in page["data"]["deal"]["activities"]] == newest_first[:2]
    assert (await subjects(client, world, "owner", {"dealId": deal})) == newest_first


UPDATE = """mutation($id: ID!, $v: Int!, $in: UpdateActivityInput!) { updateActivity(id: $id, version: $v, input: $in) {
    activity { kind subject body occurredAt dueAt completedAt archivedAt version } } }"""
COMPLETE = (
    "mutation($id: ID!, $v: Int!) { completeActivity(id: $id, version: $v) { activity { completedAt version } } }"
)
DELETE = "mutation($id: ID!) { deleteActivity(id: $id) { activity { archivedAt version } } }"


async def write(client, world, persona, doc, variables) -> dict:
    body = await gql(client, doc, variables, token=world.token(persona))
    assert "errors" not in body, body
    return next(iter(body["data"].values()))["activity"]


async def audited(sessions, world, activity_id: str) -> list[str]:
    async with tenant_session(sessions, Principal.system(world.tenant_id), read_only=True) as s:
        rows = await s.execute(
            text("select action from app.audit_log where entity_id = :i order by at"),
            {"i": from_global_id(activity_id)[1]},
        )
        return [r[0] for r in rows]


async def test_edit_complete_and_delete_an_activity(client, sessions, world):
    deal = gid(world, "Deal", "direct")
    made = await add(client, world, "rep1", kind="TASK", subject="Send quote", dealId=deal)
    ref = {"id": made["id"]}
    due = "2031-01-02T03:04:05+00:00"
    edited = await write(
        client, world, "rep2", UPDATE, ref | {"v": 1, "in": {"subject": "Send the quote", "body": "v2", "dueAt": due}}
    )
    assert edited | {"occurredAt": None} == {
        "kind": "TASK",
        "subject": "Send the quote",
        "body": "v2",
        "occurredAt": None,
        "dueAt": due,
        "completedAt": None,
        "archivedAt": None,
        "version": 2,
    }
    for variables, code in (
        (ref | {"v": 1, "in": {"subject": "stale"}}, "CONFLICT"),
        (ref | {"v": 2, "in": {"subject": "  "}}, "BAD_USER_INPUT"),
        (ref | {"v": 2, "in": {"subject": None}}, "BAD_USER_INPUT"),
        (ref | {"v": 2, "in": {"kind": None}}, "BAD_USER_INPUT"),
        (ref | {"v": 2, "in": {"occurredAt": None}}, "BAD_USER_INPUT"),
        ({"id": gid(world, "Deal", "direct"), "v": 2, "in": {"subject": "x"}}, "NOT_FOUND"),  # not an activity
    ):
        await refused(client, sessions, world, "rep1", UPDATE, variables, code)

    done = await write(client, world, "rep1", COMPLETE, ref | {"v": 2})
    assert done["completedAt"] is not None and done["version"] == 3
    # Completing it again is a CONFLICT (not a silent success): the caller learns it was already done.
    await refused(client, sessions, world, "rep1", COMPLETE, ref | {"v": 3}, "CONFLICT")

    gone = await write(client, world, "support", DELETE, ref)
    assert gone["archivedAt"] is not None and gone["version"] == 4
    assert "Send the quote" not in await subjects(client, world, "owner")
    timeline = await gql(
        client, "query($id: ID!) { deal(id: $id) { activities { subject } } }", {"id": deal}, token=world.token("owner")
    )
    assert "Send the quote" not in [a["subject"] for a in timeline["data"]["deal"]["activities"]]
    assert await write(client, world, "owner", DELETE, ref) == gone  # deleting again changes nothing
    for doc, variables in ((UPDATE, ref | {"v": 4, "in": {"subject": "back"}}), (COMPLETE, ref | {"v": 4})):
        await refused(client, sessions, world, "owner", doc, variables, "CONFLICT")
    assert await audited(sessions, world, made["id"]) == [
        "activity.create",
        "activity.update",
        "activity.complete",
        "activity.delete",
    ]


async def test_a_partner_changes_only_its_own_partners_activities(client, sessions, world):
    ours = await add(client, world, "sub_rep", kind="CALL", subject="Contoso call", dealId=gid(world, "Deal", "sub"))
    vendors = await add(client, world, "owner", kind="NOTE", subject="Vendor note", dealId=gid(world, "Deal", "sub"))
    edit = {"v": 1, "in": {"subject": "changed"}}
    # The distributor reads its sub-reseller's activities but changes none; nor does a partner change the
    # vendor's notes on its deals; another partner does not see them at all.
    for persona, target, code in (
        ("dist_admin", ours, "FORBIDDEN"),
        ("dist_rep", ours, "FORBIDDEN"),
        ("sub_admin", vendors, "FORBIDDEN"),
        ("other_admin", ours, "NOT_FOUND"),
        ("customer", ours, "FORBIDDEN"),
        ("anonymous", ours, "UNAUTHENTICATED"),
    ):
        for doc, variables in ((UPDATE, edit), (COMPLETE, {"v": 1}), (DELETE, {})):
            await refused(client, sessions, world, persona, doc, {"id": target["id"]} | variables, code)
    assert (await write(client, world, "sub_admin", UPDATE, {"id": ours["id"]} | edit))["subject"] == "changed"
    assert (await write(client, world, "sub_rep", DELETE, {"id": ours["id"]}))["archivedAt"] is not None
    assert "changed" not in await subjects(client, world, "dist_admin")

    # The row policy says so too, whatever the service does: the distributor's own UPDATE touches nothing.
    dist = world.people["dist_admin"]
    principal = Principal(
        Audience.PARTNER,
        user_id=dist.user_id,
        tenant_id=world.tenant_id,
        roles=frozenset(dist.roles),
        partner_id=world.partners["dist"],
    )
    async with tenant_session(sessions, principal) as s:
        seen = await s.execute(text("select count(*) from app.activities where subject = 'Vendor note'"))
        assert seen.scalar() == 1
        changed = await s.execute(text("update app.activities set subject = 'hacked' where subject = 'Vendor note'"))
        assert changed.rowcount == 0

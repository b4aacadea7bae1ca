"""The authorization matrix: every audience and role against every query and mutation.

For each (operation, persona) the expected outcome is written down: `ok`, or the error code. A refused
call must change nothing (the tenant's business tables are compared before and after). Besides the users,
`sub_key` is an API key of the sub-reseller with the partner admin role: a partner's integration.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from authz.principal import Audience, Principal
from schema.relay import to_global_id
from tenants.activities.service import add_activity
from tenants.database import tenant_session
from tenants.deals.service import create_deal
from tenants.identity.api_keys import create_api_key
from tenants.identity.users import create_member
from tenants.leads.service import create_lead
from tenants.partners.service import create_partner
from tenants.registrations.service import submit_registration
from tenants.webhooks.service import create_endpoint
from tests.client import codes, gql
from tests.world import World, build_world, snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

VENDORS = {"owner", "admin", "channel_manager", "sales_manager", "rep1", "support"}
SELLERS = VENDORS - {"support"}
MANAGERS = {"owner", "admin", "channel_manager", "sales_manager"}
ADMINS = {"owner", "admin"}
SUB = {"sub_admin", "sub_rep", "sub_key"}  # the sub-reseller's users and its key
IN_SCOPE_PARTNERS = {"dist_admin", "dist_rep"} | SUB  # the `sub` targets are theirs
OUT_OF_SCOPE_PARTNERS = {"other_admin", "other_rep"}
PARTNERS = IN_SCOPE_PARTNERS | OUT_OF_SCOPE_PARTNERS
PARTNER_ADMINS = {"dist_admin", "sub_admin", "other_admin", "sub_key"}
EVERYONE = VENDORS | PARTNERS | {"customer", "platform", "foreign", "anonymous"}
# API keys with the roles (and partner or customer) of these users: the same act, the same answer, whatever the
# credential — except where the answer depends on who the user is (KEY_DIFFERENCES).
KEYED = VENDORS | {"dist_admin", "dist_rep", "sub_admin", "other_admin", "customer"}
KEYS = {f"key:{persona}" for persona in KEYED}
# (case, persona) -> a key's answer where a user's differs, and why.
KEY_DIFFERENCES: dict[tuple[str, str], str] = {
    # A sales rep changes only the deals it owns (a row policy on owner_id = the user); a key is no user and owns
    # none: a sales_rep key may read deals but change none of them.
    ("closeDeal", "key:rep1"): "FORBIDDEN",
    # A profile is a user's own; a key has none.
    **{("updateMyProfile", key): "FORBIDDEN" for key in KEYS},
}


@dataclass
class Case:
    name: str
    doc: str
    variables: Callable  # (world, fresh) -> dict
    ok: set[str]
    not_found: set[str] = frozenset()
    other: dict[str, str] | None = None  # persona -> code, for outcomes that are neither ok nor refusal
    mutation: bool = False
    fresh: tuple[str, ...] = ()  # rows to make anew for every persona: activity, endpoint, lead, registration


def gid(kind: str, key_attr: str, key: str):
    return lambda w, f: {"id": to_global_id(kind, getattr(w, key_attr)[key])}


def nothing(w, f):
    return {}


CASES = [
    Case("viewer", "{ viewer { audience roles permissions } }", nothing, EVERYONE - {"anonymous"}),
    Case("deals", "{ deals(first: 5) { totalCount } }", nothing, VENDORS | PARTNERS | {"customer", "foreign"}),
    Case(
        "deal",
        "query($id: ID!) { deal(id: $id) { title } }",
        gid("Deal", "deals", "sub"),
        VENDORS | IN_SCOPE_PARTNERS,
        not_found=OUT_OF_SCOPE_PARTNERS | {"customer", "foreign"},
    ),
    Case(
        "node",
        "query($id: ID!) { node(id: $id) { id } }",
        gid("Customer", "customers", "sub"),
        VENDORS | IN_SCOPE_PARTNERS,
        not_found=OUT_OF_SCOPE_PARTNERS | {"customer", "foreign"},
    ),
    Case("partners", "{ partners(first: 5) { totalCount } }", nothing, VENDORS | PARTNERS | {"foreign"}),
    Case(
        "partner",
        "query($id: ID!) { partner(id: $id) { name } }",
        gid("Partner", "partners", "sub"),
        VENDORS | IN_SCOPE_PARTNERS,
        not_found=OUT_OF_SCOPE_PARTNERS | {"foreign"},
    ),
    Case("customers", "{ customers(first: 5) { totalCount } }", nothing, VENDORS | PARTNERS | {"customer", "foreign"}),
    Case(
        "customer",
        "query($id: ID!) { customer(id: $id) { name } }",
        gid("Customer", "customers", "dist"),
        VENDORS | {"dist_admin", "dist_rep", "customer"},
        not_found=SUB | OUT_OF_SCOPE_PARTNERS | {"foreign"},
    ),
    Case("contacts", "{ contacts(first: 5) { totalCount } }", nothing, VENDORS | PARTNERS | {"customer", "foreign"}),
    Case("activities", "{ activities(first: 5) { totalCount } }", nothing, VENDORS | PARTNERS | {"foreign"}),
    Case("pipeline", "{ pipeline { dealCount stage { name } } }", nothing, SELLERS | {"foreign"}),
    Case("pipelineStages", "{ pipelineStages { name } }", nothing, VENDORS | PARTNERS | {"customer", "foreign"}),
    Case("auditLog", "{ auditLog(first: 5) { totalCount } }", nothing, ADMINS | {"foreign"}),
    Case("users", "{ users(first: 5) { totalCount } }", nothing, VENDORS | PARTNERS | {"foreign"}),
    Case("apiKeys", "{ apiKeys { prefix } }", nothing, ADMINS | PARTNER_ADMINS | {"foreign"}),
    Case("tenants", "{ tenants(first: 5) { totalCount } }", nothing, {"platform"}),
    Case(
        "createPartner",
        'mutation { createPartner(input: {name: "New", kind: RESELLER}) { partner { id } } }',
        nothing,
        {"owner", "admin", "channel_manager", "foreign"},
        mutation=True,
    ),
    Case(
        "updatePartner",
        'mutation($id: ID!, $v: Int!) { updatePartner(input: {id: $id, version: $v, territory: "X"}) { partner { id } } }',
        lambda w, f: {"id": to_global_id("Partner", w.partners["sub"]), "v": f.version("partners", w.partners["sub"])},
        {"owner", "admin", "channel_manager", "dist_admin", "sub_admin", "sub_key"},
        not_found={"other_admin", "foreign"},
        mutation=True,
    ),
    Case(
        "archivePartner",
        "mutation($id: ID!) { archivePartner(id: $id, version: 1) { partner { id } } }",
        lambda w, f: {"id": to_global_id("Partner", f.partner())},
        {"owner", "admin", "channel_manager"},
        not_found={"foreign"},
        mutation=True,
    ),
    Case(
        "createCustomer",
        'mutation { createCustomer(input: {name: "Newco"}) { customer { id } } }',
        nothing,
        SELLERS | PARTNER_ADMINS | {"foreign"},
        mutation=True,
    ),
    Case(
        "updateCustomer",
        'mutation($id: ID!, $v: Int!) { updateCustomer(input: {id: $id, version: $v, industry: "X"}) { customer { id } } }',
        lambda w, f: {
            "id": to_global_id("Customer", w.customers["sub"]),
            "v": f.version("customers", w.customers["sub"]),
        },
        MANAGERS,
        not_found={"foreign"},
        other={"rep1": "FORBIDDEN"},
        mutation=True,
    ),
    Case(
        "createContact",
        'mutation($c: ID!) { createContact(input: {firstName: "Kim", customerId: $c}) { contact { id } } }',
        lambda w, f: {"c": to_global_id("Customer", w.customers["sub"])},
        SELLERS | IN_SCOPE_PARTNERS,
        not_found=OUT_OF_SCOPE_PARTNERS | {"foreign"},
        mutation=True,
    ),
    Case(
        "createDeal",
        'mutation($c: ID!) { createDeal(input: {title: "New", customerId: $c}) { deal { id } } }',
        lambda w, f: {"c": to_global_id("Customer", w.customers["direct"])},
        SELLERS,
        not_found={"foreign"},
        mutation=True,
    ),
    Case(
        "updateDeal",
        "mutation($id: ID!, $v: Int!) { updateDeal(input: {id: $id, version: $v, probability: 33}) { deal { id } } }",
        lambda w, f: {"id": to_global_id("Deal", w.deals["sub"]), "v": f.version("deals", w.deals["sub"])},
        MANAGERS | IN_SCOPE_PARTNERS,
        not_found=OUT_OF_SCOPE_PARTNERS | {"foreign"},
        other={"rep1": "FORBIDDEN"},
        mutation=True,
    ),
    Case(
        "moveDealStage",
        "mutation($id: ID!, $v: Int!, $s: ID!) { moveDealStage(input: {id: $id, version: $v, stageId: $s}) { deal { id } } }",
        lambda w, f: {
            "id": to_global_id("Deal", w.deals["sub"]),
            "v": f.version("deals", w.deals["sub"]),
            "s": to_global_id("PipelineStage", w.stages[f.next_stage()]),
        },
        MANAGERS | IN_SCOPE_PARTNERS,
        not_found=OUT_OF_SCOPE_PARTNERS | {"foreign"},
        other={"rep1": "FORBIDDEN"},
        mutation=True,
    ),
    Case(
        "closeDeal",
        'mutation($id: ID!) { closeDeal(input: {id: $id, version: 1, won: false, reason: "budget"}) { deal { status } } }',
        lambda w, f: {"id": to_global_id("Deal", f.deal())},
        SELLERS,
        not_found={"foreign"},
        mutation=True,
    ),
    Case(
        "assignDealPartner",
        "mutation($id: ID!, $p: ID!) { assignDealPartner(input: {id: $id, version: 1, partnerId: $p}) { deal { id } } }",
        lambda w, f: {"id": to_global_id("Deal", f.deal()), "p": to_global_id("Partner", w.partners["other"])},
        MANAGERS,
        not_found={"foreign"},
        mutation=True,
    ),
    Case(
        "archiveDeal",
        "mutation($id: ID!) { archiveDeal(id: $id, version: 1) { deal { id } } }",
        lambda w, f: {"id": to_global_id("Deal", f.deal())},
        {"owner", "admin", "sales_manager"},
        not_found={"foreign"},
        mutation=True,
    ),
    Case(
        "addActivity",
        'mutation($d: ID!) { addActivity(input: {kind: CALL, subject: "hi", dealId: $d}) { activity { id } } }',
        lambda w, f: {"d": to_global_id("Deal", w.deals["sub"])},
        VENDORS | IN_SCOPE_PARTNERS,
        not_found=OUT_OF_SCOPE_PARTNERS | {"foreign"},
        mutation=True,
    ),
    Case(
        "updateActivity",
        'mutation($id: ID!, $v: Int!) { updateActivity(id: $id, version: $v, input: {subject: "X"}) { activity { id } } }',
        lambda w, f: {"id": to_global_id("Activity", f.made("activity")[0]), "v": f.made("activity")[1]},
        VENDORS | SUB,
        not_found=OUT_OF_SCOPE_PARTNERS | {"foreign"},
        mutation=True,
        fresh=("activity",),
    ),
    Case(
        "completeActivity",
        "mutation($id: ID!, $v: Int!) { completeActivity(id: $id, version: $v) { activity { completedAt } } }",
        lambda w, f: {"id": to_global_id("Activity", f.made("activity")[0]), "v": f.made("activity")[1]},
        VENDORS | SUB,
        not_found=OUT_OF_SCOPE_PARTNERS | {"foreign"},
        mutation=True,
        fresh=("activity",),
    ),
    Case(
        "deleteActivity",
        "mutation($id: ID!) { deleteActivity(id: $id) { activity { archivedAt } } }",
        lambda w, f: {"id": to_global_id("Activity", f.made("activity")[0])},
        VENDORS | SUB,
        not_found=OUT_OF_SCOPE_PARTNERS | {"foreign"},
        mutation=True,
        fresh=("activity",),
    ),
    Case(
        "deleteWebhookEndpoint",
        "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { endpointId } }",
        lambda w, f: {"id": to_global_id("WebhookEndpoint", f.made("endpoint")[0])},
        ADMINS,
        not_found={"foreign"},
        mutation=True,
        fresh=("endpoint",),
    ),
    Case(
        "rotateWebhookSecret",
        "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { version } } }",
        lambda w, f: {"id": to_global_id("WebhookEndpoint", f.made("endpoint")[0])},
        ADMINS,
        not_found={"foreign"},
        mutation=True,
        fresh=("endpoint",),
    ),
    Case(
        "updateLead",
        'mutation($id: ID!, $v: Int!) { updateLead(id: $id, version: $v, input: {need: "CRM"}) { lead { id } } }',
        lambda w, f: {"id": to_global_id("Lead", f.made("lead")[0]), "v": f.made("lead")[1]},
        MANAGERS,
        not_found={"foreign"},
        mutation=True,
        fresh=("lead",),
    ),
    Case(
        "archiveLead",
        "mutation($id: ID!, $v: Int!) { archiveLead(id: $id, version: $v) { lead { archivedAt } } }",
        lambda w, f: {"id": to_global_id("Lead", f.made("lead")[0]), "v": f.made("lead")[1]},
        MANAGERS,
        not_found={"foreign"},
        mutation=True,
        fresh=("lead",),
    ),
    Case(
        # A registration is its partner's alone: the distributor does not see its sub-reseller's.
        "withdrawRegistration",
        "mutation($id: ID!, $v: Int!) { withdrawRegistration(id: $id, version: $v) { registration { status } } }",
        lambda w, f: {"id": to_global_id("Registration", f.made("registration")[0]), "v": f.made("registration")[1]},
        SUB,
        not_found={"dist_admin", "dist_rep"} | OUT_OF_SCOPE_PARTNERS,
        mutation=True,
        fresh=("registration",),
    ),
    Case(
        # Any signed-in user of a tenant, its own row only; an API key has no profile.
        "updateMyProfile",
        'mutation { updateMyProfile(input: {name: "Renamed"}) { user { name } } }',
        nothing,
        VENDORS | (PARTNERS - {"sub_key"}) | {"customer", "foreign"},
        mutation=True,
    ),
    Case(
        "inviteUser",
        'mutation($e: String!) { inviteUser(input: {email: $e, name: "N", audience: VENDOR, roles: ["support"]}) { user { id } } }',
        lambda w, f: {"e": f"{uuid.uuid4().hex[:8]}@invite.example"},
        ADMINS | {"foreign"},
        other={p: "BAD_USER_INPUT" for p in PARTNER_ADMINS},
        mutation=True,
    ),
    Case(
        "assignRoles",
        'mutation($u: ID!) { assignRoles(userId: $u, roles: ["sales_manager"]) { user { roles } } }',
        lambda w, f: {"u": to_global_id("User", f.user())},
        ADMINS,
        not_found={"foreign"},
        mutation=True,
    ),
    Case(
        "revokeAccess",
        "mutation($u: ID!) { revokeAccess(userId: $u) { user { active } } }",
        lambda w, f: {"u": to_global_id("User", f.user())},
        ADMINS,
        not_found=PARTNER_ADMINS | {"foreign"},
        mutation=True,
    ),
    Case(
        "createApiKey",
        'mutation { createApiKey(input: {name: "k", audience: VENDOR, roles: ["support"]}) { token } }',
        nothing,
        ADMINS | {"foreign"},
        other={p: "BAD_USER_INPUT" for p in PARTNER_ADMINS},
        mutation=True,
    ),
    Case(
        "provisionTenant",
        'mutation($s: String!) { provisionTenant(input: {slug: $s, name: "T", adminEmail: "a@b.example", adminName: "A"}) { tenant { id } } }',
        lambda w, f: {"s": f"m-{uuid.uuid4().hex[:10]}"},
        {"platform"},
        mutation=True,
    ),
]


class Fresh:
    """Rows made on demand, so a mutation allowed for one persona leaves the next a clean target."""

    def __init__(self, sessions, world: World) -> None:
        self.sessions, self.world = sessions, world
        self.queue: list[tuple[str, str]] = []
        self._stage = 0

    async def prepare(self, case: Case) -> None:
        """Fresh rows for the case, made through the services (as the tenant's system)."""
        self.values: dict[str, object] = {}
        system = Principal.system(self.world.tenant_id)
        async with tenant_session(self.sessions, system) as s:
            partner = await create_partner(s, system, {"name": "Tmp", "kind": "referral"})
            self.values["partner"] = partner.id
            deal = await create_deal(
                s,
                system,
                {
                    "title": "Tmp",
                    "customer_id": self.world.customers["direct"],
                    "stage_id": self.world.stages["Prospecting"],
                    "currency": "USD",
                    "owner_id": self.world.people["rep1"].user_id,
                },
            )
            self.values["deal"] = deal.id
            user = await create_member(
                s,
                system,
                email=f"{uuid.uuid4()}@tmp.example",
                name="Tmp",
                audience="vendor",
                roles=["support"],
                status="active",
            )
            self.values["user"] = user.id
            versions = {}
            for table, key in (
                ("partners", self.world.partners["sub"]),
                ("customers", self.world.customers["sub"]),
                ("deals", self.world.deals["sub"]),
            ):
                versions[(table, key)] = (
                    await s.execute(text(f"select version from app.{table} where id = :id"), {"id": key})
                ).scalar()
            self.values["versions"] = versions
        for kind in case.fresh:
            self.values[kind] = await FRESH[kind](self.sessions, self.world)

    def partner(self):
        return self.values["partner"]

    def made(self, kind: str):
        """The id and version of the row made for this persona."""
        row = self.values[kind]
        return row.id, row.version

    def deal(self):
        return self.values["deal"]

    def user(self):
        return self.values["user"]

    def version(self, table, key):
        return self.values["versions"][(table, key)]

    def next_stage(self):
        self._stage += 1
        return ("Qualification", "Proposal", "Negotiation")[self._stage % 3]


def _as_partner(world: World, persona: str, partner: str) -> Principal:
    person = world.people[persona]
    return Principal(
        Audience.PARTNER,
        user_id=person.user_id,
        tenant_id=world.tenant_id,
        roles=frozenset(person.roles),
        partner_id=world.partners[partner],
    )


async def _activity(sessions, world: World):
    """An activity the sub-reseller's rep wrote on its deal: its partner's to change, its distributor's to read."""
    rep = _as_partner(world, "sub_rep", "sub")
    async with tenant_session(sessions, rep) as s:
        return await add_activity(s, rep, {"kind": "task", "subject": "Tmp", "deal_id": world.deals["sub"]})


async def _endpoint(sessions, world: World):
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        fields = {"url": "https://hooks.example/tmp", "event_types": ["*"]}
        return await create_endpoint(s, system, fields, allow_private=True)


async def _lead(sessions, world: World):
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        fields = {"company_name": "Tmp", "source": "web", "territory": "nowhere"}
        return await create_lead(s, system, fields, {"first_name": "Tmp"}, distribute_now=False)


async def _registration(sessions, world: World):
    """A registration the sub-reseller's rep submitted."""
    rep = _as_partner(world, "sub_rep", "sub")
    async with tenant_session(sessions, rep) as s:
        registration, _ = await submit_registration(s, rep, {"company_name": f"Tmp {uuid.uuid4().hex[:8]}"})
        return registration


FRESH = {"activity": _activity, "endpoint": _endpoint, "lead": _lead, "registration": _registration}


@pytest.fixture
async def setup(app, sessions, new_tenant, world):
    foreign = await build_world(sessions, new_tenant, app.state.tokens.mint)
    admin_id = uuid.uuid4()
    async with tenant_session(sessions, Principal.platform(None)) as s:
        await s.execute(
            text("insert into platform.admins (id, email, name) values (:i, :e, 'Ops')"),
            {"i": admin_id, "e": f"ops-{admin_id.hex[:8]}@platform.example"},
        )
    system = Principal.system(world.tenant_id)
    async with tenant_session(sessions, system) as s:
        key = await create_api_key(
            s,
            system,
            name="Contoso sync",
            audience="partner",
            roles=["partner_admin"],
            partner_id=world.partners["sub"],
        )
        # Marked as just used, far ahead: the edge then never touches the row, which the snapshots compare.
        await s.execute(
            text("update app.api_keys set last_used_at = now() + interval '1 day' where id = :i"), {"i": key.key.id}
        )
    tokens = {name: p.token for name, p in world.people.items()}
    tokens.update(
        platform=app.state.tokens.mint(None, admin_id),
        foreign=foreign.token("owner"),
        anonymous=None,
        sub_key=key.token,
    )
    async with tenant_session(sessions, system) as s:
        for persona in sorted(KEYED):
            user = world.people[persona]
            membership = (
                await s.execute(
                    text("select partner_id, customer_id from app.memberships where user_id = :u"), {"u": user.user_id}
                )
            ).one()
            issued = await create_api_key(
                s,
                system,
                name=f"matrix {persona}",
                audience=user.audience,
                roles=list(user.roles),
                partner_id=membership.partner_id,
                customer_id=membership.customer_id,
            )
            tokens[f"key:{persona}"] = issued.token
    return world, tokens


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_matrix(client, sessions, setup, case):
    world, tokens = setup
    fresh = Fresh(sessions, world)
    failures = []
    for persona in sorted(EVERYONE | KEYS):
        await fresh.prepare(case)
        before = await snapshot(sessions, world.tenant_id) if case.mutation else None
        body = await gql(client, case.doc, case.variables(world, fresh), token=tokens[persona])
        got = "ok" if "errors" not in body else codes(body)[0]
        expected = KEY_DIFFERENCES.get((case.name, persona)) or expected_of(case, persona.removeprefix("key:"))
        if got != expected:
            failures.append(f"{persona}: expected {expected}, got {got}: {body.get('errors')}")
        elif expected != "ok" and case.mutation and await snapshot(sessions, world.tenant_id) != before:
            failures.append(f"{persona}: refused ({got}) but the data changed")
    assert not failures, "\n".join(failures)


def expected_of(case: Case, persona: str) -> str:
    if persona in case.ok:
        return "ok"
    if case.other and persona in case.other:
        return case.other[persona]
    if persona == "anonymous":
        return "UNAUTHENTICATED"
    if persona in case.not_found:
        return "NOT_FOUND"
    return "FORBIDDEN"

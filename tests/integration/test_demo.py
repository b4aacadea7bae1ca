"""The demo seed: idempotent, complete, and its channel hierarchy holds under row-level security.

Runs against the shared per-run database as the runtime role. The demo uses fixed slugs (acme, globex),
so another test may have seeded it already; `seed` is idempotent, and nothing here depends on who ran first.
"""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio
from sqlalchemy import func, select, text

from authz.principal import Audience, Principal
from tenants import demo
from tenants.activities.models import Activity
from tenants.audit.models import AuditEntry
from tenants.customers.models import Contact, Customer
from tenants.database import tenant_session
from tenants.deals.models import Deal, DealStageChange, PipelineStage
from tenants.identity.models import Membership, User
from tenants.partners.models import Partner, PartnerAncestry
from tenants.platform.models import PlatformAdmin, Tenant

pytestmark = pytest.mark.asyncio(loop_scope="session")

PLATFORM = Principal.platform(None)
TENANT_TABLES = (
    Deal,
    Partner,
    Customer,
    Contact,
    User,
    Membership,
    Activity,
    DealStageChange,
    AuditEntry,
    PartnerAncestry,
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def users(sessions) -> list[demo.DemoUser]:
    return await demo.seed(sessions)


def _tenant_ids(users: list[demo.DemoUser]) -> dict[str, uuid.UUID]:
    return {u.tenant_slug: u.tenant_id for u in users if u.tenant_id is not None}


def _user(users: list[demo.DemoUser], slug: str, email: str) -> demo.DemoUser:
    return next(u for u in users if u.tenant_slug == slug and u.email == email)


async def _counts(sessions, tenant_ids: dict[str, uuid.UUID]) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with tenant_session(sessions, PLATFORM, read_only=True) as session:
        for model in (Tenant, PlatformAdmin):
            counts[model.__tablename__] = (await session.execute(select(func.count()).select_from(model))).scalar_one()
    for slug, tenant_id in tenant_ids.items():
        async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as session:
            for model in TENANT_TABLES:
                stmt = select(func.count()).select_from(model)
                counts[f"{slug}.{model.__tablename__}"] = (await session.execute(stmt)).scalar_one()
    return counts


async def _partners(sessions, tenant_id: uuid.UUID) -> dict[str, uuid.UUID]:
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as session:
        return {p.name: p.id for p in (await session.execute(select(Partner))).scalars()}


async def _visible_deals(sessions, principal: Principal) -> list[Deal]:
    async with tenant_session(sessions, principal, read_only=True) as session:
        return list((await session.execute(select(Deal))).scalars())


def _partner_principal(user: demo.DemoUser, partner_id: uuid.UUID) -> Principal:
    return Principal(
        Audience.PARTNER,
        tenant_id=user.tenant_id,
        user_id=user.user_id,
        roles=frozenset(user.roles),
        partner_id=partner_id,
    )


async def test_seeding_again_returns_the_same_users_and_adds_nothing(sessions, users):
    before = await _counts(sessions, _tenant_ids(users))
    again = await demo.seed(sessions)
    assert again == users
    assert await _counts(sessions, _tenant_ids(users)) == before
    assert before["acme.deals"] == before["globex.deals"] == len(demo.DEALS)
    assert before["acme.partners"] == len(demo.PARTNERS)
    assert before["acme.customers"] == len(demo.CUSTOMERS)


async def test_users_cover_every_audience_and_role(users):
    assert users[0] == demo.DemoUser(
        "platform", None, users[0].user_id, "platform@channelgraph.dev", "platform", ("platform_admin",)
    )
    assert [u.tenant_slug for u in users[1:]] == ["acme"] * 15 + ["globex"] * 15
    acme = [u for u in users if u.tenant_slug == "acme"]
    assert len({u.email for u in acme}) == len(acme)
    assert {role for u in acme if u.audience == "vendor" for role in u.roles} == {
        "owner",
        "admin",
        "channel_manager",
        "sales_manager",
        "sales_rep",
        "support",
    }
    assert sum(u.roles == ("sales_rep",) for u in acme) == 2
    assert _user(users, "globex", "admin@globex.example").roles == ("admin",)
    assert [u.email for u in acme if u.audience == "customer"] == [
        "pat.lee@initech.example",
        "alice.wong@umbrella.example",
    ]


async def test_every_demo_user_can_be_authenticated(sessions, users):
    # The edge's own membership check: active user, active membership, the right audience and links.
    from tenants.identity.authentication import member_principal, platform_principal

    assert (await platform_principal(sessions, users[0].user_id)).audience is Audience.PLATFORM
    for user in users[1:]:
        principal = await member_principal(sessions, user.tenant_id, user.user_id)
        assert (str(principal.audience), tuple(sorted(principal.roles))) == (user.audience, user.roles)


async def test_acme_has_deals_in_every_stage(sessions, users):
    async with tenant_session(sessions, Principal.system(_tenant_ids(users)["acme"]), read_only=True) as session:
        all_stages = set((await session.execute(select(PipelineStage.name))).scalars())
        used = set(
            (
                await session.execute(
                    select(PipelineStage.name).join(
                        Deal, (Deal.tenant_id == PipelineStage.tenant_id) & (Deal.stage_id == PipelineStage.id)
                    )
                )
            ).scalars()
        )
        moved = (
            await session.execute(
                select(func.count()).select_from(DealStageChange).where(DealStageChange.from_stage_id.is_not(None))
            )
        ).scalar_one()
        sources = set((await session.execute(select(Deal.source))).scalars())
        currencies = set((await session.execute(select(Deal.currency))).scalars())
    assert used == all_stages and len(all_stages) == 6
    assert moved > 0
    assert sources == {"direct", "partner_sourced", "partner_influenced"}
    assert currencies == {"USD", "EUR"}


async def test_acme_has_admin_and_rep_users_for_all_three_partners(sessions, users):
    acme = _tenant_ids(users)["acme"]
    partners = await _partners(sessions, acme)
    async with tenant_session(sessions, Principal.system(acme), read_only=True) as session:
        rows = (
            await session.execute(
                select(Membership.partner_id, Membership.roles).where(Membership.audience == "partner")
            )
        ).all()
    roles_by_partner: dict[uuid.UUID, set[str]] = {}
    for partner_id, roles in rows:
        roles_by_partner.setdefault(partner_id, set()).update(roles)
    assert set(partners) == {"Northwind Distribution", "Contoso Resellers", "Fabrikam Partners"}
    assert roles_by_partner == {p: {"partner_admin", "partner_rep"} for p in partners.values()}


async def test_distributor_sees_its_own_and_its_sub_resellers_deals_only(sessions, users):
    acme = _tenant_ids(users)["acme"]
    partners = await _partners(sessions, acme)
    northwind, contoso, fabrikam = (
        partners["Northwind Distribution"],
        partners["Contoso Resellers"],
        partners["Fabrikam Partners"],
    )
    principal = _partner_principal(_user(users, "acme", "admin@northwind.example"), northwind)
    everything = await _visible_deals(sessions, Principal.system(acme))
    seen = await _visible_deals(sessions, principal)
    assert {d.partner_id for d in seen} == {northwind, contoso}
    assert {d.id for d in seen} == {d.id for d in everything if d.partner_id in (northwind, contoso)}
    assert fabrikam not in {d.partner_id for d in seen}
    async with tenant_session(sessions, principal, read_only=True) as session:
        assert set((await session.execute(select(Partner.id))).scalars()) == {northwind, contoso}


async def test_sub_reseller_sees_only_its_own_deals(sessions, users):
    acme = _tenant_ids(users)["acme"]
    partners = await _partners(sessions, acme)
    contoso = partners["Contoso Resellers"]
    seen = await _visible_deals(sessions, _partner_principal(_user(users, "acme", "rep@contoso.example"), contoso))
    everything = await _visible_deals(sessions, Principal.system(acme))
    assert seen and {d.partner_id for d in seen} == {contoso}
    assert {d.id for d in seen} == {d.id for d in everything if d.partner_id == contoso}


class _RollBack(Exception):
    pass


async def test_a_sales_rep_updates_only_its_own_deals(sessions, users):
    acme = _tenant_ids(users)["acme"]
    rep1, rep2 = _user(users, "acme", "rep1@acme.example"), _user(users, "acme", "rep2@acme.example")
    principal = Principal(Audience.VENDOR, tenant_id=acme, user_id=rep1.user_id, roles=frozenset(rep1.roles))
    touch = text("update app.deals set title = title where owner_id = :owner")
    with pytest.raises(_RollBack):
        async with tenant_session(sessions, principal) as session:
            own = (await session.execute(touch, {"owner": rep1.user_id})).rowcount
            other = (await session.execute(touch, {"owner": rep2.user_id})).rowcount
            raise _RollBack
    assert own > 0
    assert other == 0

"""The demo: a platform admin and two tenants (acme, globex) full of channel data, seeded idempotently.

Both tenants get the same shape: staff in every vendor role, a distributor with a sub-reseller and an
unrelated reseller, their users, customers with contacts, deals in every stage (direct, partner-sourced,
partner-influenced) with their stage history, activities, and an audit entry per created record.
No randomness: the data is fixed, and dates are offsets from the moment it runs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.principal import Principal
from tenants.activities.models import Activity
from tenants.audit.log import record, snapshot
from tenants.customers.models import Contact, Customer
from tenants.database import tenant_session
from tenants.deals.models import Deal, DealStageChange
from tenants.deals.pipeline import stages
from tenants.identity.models import Membership, User
from tenants.identity.users import create_member, find_user_by_email
from tenants.partners.models import Partner
from tenants.platform import provisioning
from tenants.platform.models import PlatformAdmin, Tenant

PLATFORM = Principal.platform(None)
PLATFORM_ADMIN = ("platform@channelgraph.dev", "Platform Admin")
# slug, name, time zone, default currency
TENANTS = (("acme", "Acme Software", "America/New_York", "USD"), ("globex", "Globex Cloud", "Europe/Berlin", "EUR"))
DIRECT, SOURCED, INFLUENCED = "direct", "partner_sourced", "partner_influenced"

# Vendor staff at <slug>.example: key (the email's local part), name, role. Provisioning invites the owner.
STAFF = (
    ("owner", "Olivia Owner", "owner"),
    ("admin", "Adam Admin", "admin"),
    ("channel", "Chandra Channel", "channel_manager"),
    ("sales", "Sanjay Sales", "sales_manager"),
    ("rep1", "Rita Rep", "sales_rep"),
    ("rep2", "Ravi Rep", "sales_rep"),
    ("support", "Sue Support", "support"),
)
# key (the domain is <key>.example), name, kind, tier, territory, parent. Parents come first.
PARTNERS = (
    ("northwind", "Northwind Distribution", "distributor", "gold", "EMEA", None),
    ("contoso", "Contoso Resellers", "reseller", "silver", "EMEA", "northwind"),
    ("fabrikam", "Fabrikam Partners", "reseller", "silver", "NA", None),
)
# partner, email local part, name, role; the user's key is "<partner>.<local part>"
PARTNER_USERS = (
    ("northwind", "admin", "Nora North", "partner_admin"),
    ("northwind", "rep", "Niels Wind", "partner_rep"),
    ("contoso", "admin", "Carla Conti", "partner_admin"),
    ("contoso", "rep", "Cody Sousa", "partner_rep"),
    ("fabrikam", "admin", "Fay Brik", "partner_admin"),
    ("fabrikam", "rep", "Finn Kamm", "partner_rep"),
)
# partner, first name, last name, title
PARTNER_CONTACTS = (
    ("northwind", "Nadia", "Berg", "Alliance Director"),
    ("contoso", "Carlos", "Mendes", "Sales Lead"),
    ("fabrikam", "Frida", "Holm", "Partner Manager"),
)
# key (the domain is <key>.example), name, industry, size, lifecycle stage, owner, managing partner
CUSTOMERS = (
    ("initech", "Initech", "Software", "201-1000", "customer", "rep1", None),
    ("umbrella", "Umbrella Health", "Healthcare", "5000+", "customer", "rep2", "northwind"),
    ("hooli", "Hooli", "Internet", "1001-5000", "prospect", "rep1", None),
    ("stark", "Stark Industries", "Manufacturing", "5000+", "customer", "rep2", "contoso"),
    ("wayne", "Wayne Enterprises", "Conglomerate", "5000+", "prospect", "rep1", "fabrikam"),
    ("soylent", "Soylent Foods", "Food & Beverage", "201-1000", "lead", "rep2", None),
    ("vandelay", "Vandelay Industries", "Import/Export", "11-50", "lead", "rep1", "contoso"),
    ("tyrell", "Tyrell Corporation", "Biotech", "1001-5000", "churned", "rep2", None),
)
# customer, first name, last name, title (email first.last@<customer>.example)
CONTACTS = (
    ("initech", "Pat", "Lee", "IT Director"),
    ("initech", "Bill", "Lumbergh", "VP Operations"),
    ("umbrella", "Alice", "Wong", "Head of Procurement"),
    ("umbrella", "Albert", "Wesker", "CISO"),
    ("umbrella", "Claire", "Redfield", "Project Manager"),
    ("hooli", "Gavin", "Belson", "CEO"),
    ("stark", "Pepper", "Potts", "COO"),
    ("stark", "Happy", "Hogan", "Head of Security"),
    ("wayne", "Lucius", "Fox", "CTO"),
    ("soylent", "Sol", "Roth", "Founder"),
    ("vandelay", "Art", "Vandelay", "Owner"),
    ("vandelay", "George", "Costanza", "Buyer"),
    ("tyrell", "Rachael", "Tyrell", "Head of IT"),
)
# Customer users are contacts who sign in: customer, first name, last name.
CUSTOMER_USERS = (("initech", "Pat", "Lee"), ("umbrella", "Alice", "Wong"))
# key, title, customer, partner, source, stage, amount, currency, owner, expected close in days (closed: days ago)
DEALS = (
    ("rollout", "Initech platform rollout", "initech", None, DIRECT, "Negotiation", 120_000, "USD", "rep1", 30),
    ("support", "Initech premium support", "initech", None, DIRECT, "Closed Won", 18_000, "USD", "rep1", -20),
    ("evaluation", "Hooli evaluation", "hooli", None, DIRECT, "Prospecting", 60_000, "USD", "rep1", 90),
    ("starter", "Soylent starter plan", "soylent", None, DIRECT, "Qualification", 9_000, "USD", "rep2", 60),
    ("renewal", "Tyrell renewal", "tyrell", None, DIRECT, "Closed Lost", 48_000, "USD", "rep2", -30),
    ("expansion", "Umbrella EU expansion", "umbrella", "northwind", SOURCED, "Proposal", 85_000, "EUR", "rep2", 45),
    ("audit", "Umbrella audit module", "umbrella", "northwind", SOURCED, "Qualification", 52_000, "EUR", "rep1", 75),
    ("pilot", "Umbrella BI pilot", "umbrella", "northwind", INFLUENCED, "Closed Won", 24_000, "EUR", "rep2", -40),
    ("telemetry", "Stark factory telemetry", "stark", "contoso", SOURCED, "Qualification", 150_000, "EUR", "rep2", 75),
    ("security", "Stark security review", "stark", "contoso", INFLUENCED, "Closed Lost", 40_000, "EUR", "rep2", -10),
    ("tracking", "Vandelay import tracking", "vandelay", "contoso", SOURCED, "Prospecting", 12_000, "USD", "rep1", 120),
    ("platform", "Wayne data platform", "wayne", "fabrikam", SOURCED, "Negotiation", 210_000, "USD", "rep1", 20),
    ("mobile", "Wayne field mobile app", "wayne", "fabrikam", INFLUENCED, "Proposal", 28_000, "USD", "rep2", 50),
    ("archive", "Wayne archive migration", "wayne", "fabrikam", INFLUENCED, "Closed Won", 35_000, "USD", "rep1", -60),
)
CLOSE_REASONS = {
    "support": "Bundled with the renewal",
    "renewal": "Budget cut; moved to an in-house tool",
    "pilot": "Pilot converted after the Northwind workshop",
    "security": "Lost to the incumbent on price",
    "archive": "Fabrikam delivered the migration plan",
}
INTERNAL_NOTES = {
    "rollout": "Legal is reviewing the MSA; CFO wants a three-year term.",
    "renewal": "Do not re-engage before Q3.",
    "expansion": "Registered by Northwind; 20% partner margin approved.",
    "telemetry": "Contoso expects a competing bid from the incumbent.",
    "platform": "Largest open deal in NA; weekly exec check-in.",
}
LOST_AFTER = "Proposal"  # lost deals went through the open stages up to this one
# subject kind, subject key, kind, summary, author, days ago (tasks are due a week later)
ACTIVITIES = (
    ("customer", "initech", "meeting", "Kick-off with Initech IT", "rep1", 40),
    ("customer", "hooli", "email", "Sent the product overview", "rep1", 12),
    ("customer", "umbrella", "call", "Follow-up on a support escalation", "support", 5),
    ("customer", "tyrell", "call", "Churn interview", "sales", 25),
    ("customer", "soylent", "task", "Book a demo", "rep2", 1),
    ("deal", "rollout", "call", "Pricing call with the CFO", "rep1", 3),
    ("deal", "expansion", "note", "Budget confirmed by procurement", "northwind.admin", 6),
    ("deal", "telemetry", "meeting", "Plant visit with Contoso", "contoso.rep", 9),
    ("deal", "security", "note", "Lost on price; revisit at renewal", "sales", 10),
    ("deal", "tracking", "task", "Qualify the budget", "contoso.admin", 2),
    ("deal", "platform", "email", "Sent redlines", "fabrikam.rep", 2),
    ("partner", "northwind", "meeting", "Quarterly business review", "channel", 14),
    ("partner", "northwind", "note", "MDF request for the EMEA roadshow", "northwind.admin", 8),
    ("partner", "contoso", "call", "Onboarding check-in", "channel", 20),
    ("partner", "fabrikam", "email", "Tier review: silver to gold?", "channel", 4),
)


@dataclass(frozen=True)
class DemoUser:
    tenant_slug: str  # "platform" for the platform admin
    tenant_id: uuid.UUID | None
    user_id: uuid.UUID
    email: str
    audience: str  # platform | vendor | partner | customer
    roles: tuple[str, ...]


async def seed(sessions: async_sessionmaker[AsyncSession]) -> list[DemoUser]:
    """Create what is missing and return every demo user, in a stable order. Safe to run again."""
    users = [await _platform_admin(sessions)]
    for slug, name, time_zone, currency in TENANTS:
        async with tenant_session(sessions, PLATFORM) as session:
            tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()
            if tenant is None:
                owner = f"owner@{slug}.example"
                provisioned = await provisioning.provision_tenant(
                    session,
                    PLATFORM,
                    slug=slug,
                    name=name,
                    admin_email=owner,
                    admin_name=STAFF[0][1],
                    time_zone=time_zone,
                    default_currency=currency,
                )
                tenant = provisioned.tenant
        system = Principal.system(tenant.id)
        async with tenant_session(sessions, system) as session:
            # The data goes in as one transaction, so any one of its users marks all of it as present.
            if await find_user_by_email(session, f"admin@{slug}.example") is None:
                await _populate(session, system, slug)
            users += await _tenant_users(session, slug, tenant.id)
    return users


async def _platform_admin(sessions: async_sessionmaker[AsyncSession]) -> DemoUser:
    email, name = PLATFORM_ADMIN
    async with tenant_session(sessions, PLATFORM) as session:
        stmt = select(PlatformAdmin).where(func.lower(PlatformAdmin.email) == email)
        admin = (await session.execute(stmt)).scalar_one_or_none()
        if admin is None:
            admin = PlatformAdmin(id=uuid.uuid4(), email=email, name=name, status="active")
            session.add(admin)
    return DemoUser("platform", None, admin.id, email, "platform", ("platform_admin",))


def _roster(slug: str) -> list[str]:
    """Every demo user's email in a tenant, in the order `seed` returns them."""
    return (
        [f"{key}@{slug}.example" for key, _, _ in STAFF]
        + [f"{local}@{partner}.example" for partner, local, _, _ in PARTNER_USERS]
        + [_email(first, last, customer) for customer, first, last in CUSTOMER_USERS]
    )


def _email(first: str, last: str, organisation: str) -> str:
    return f"{first}.{last}@{organisation}.example".lower()


async def _tenant_users(session: AsyncSession, slug: str, tenant_id: uuid.UUID) -> list[DemoUser]:
    roster = _roster(slug)
    rows = await session.execute(
        select(User.id, User.email, Membership.audience, Membership.roles)
        .join(Membership, (Membership.tenant_id == User.tenant_id) & (Membership.user_id == User.id))
        .where(func.lower(User.email).in_(roster))
    )
    found = [DemoUser(slug, tenant_id, r.id, r.email, r.audience, tuple(sorted(r.roles))) for r in rows]
    return sorted(found, key=lambda user: roster.index(user.email.lower()))


async def _populate(session: AsyncSession, system: Principal, slug: str) -> None:
    # Back-dated (partners, then customers, then deals and their moves) so lists and histories read naturally.
    now = dt.datetime.now(dt.UTC)
    users = await _staff(session, system, slug)
    partners: dict[str, uuid.UUID] = {}
    for i, (key, name, kind, tier, territory, parent) in enumerate(PARTNERS):
        row = Partner(
            name=name,
            kind=kind,
            status="active",
            tier=tier,
            territory=territory,
            website=f"https://{key}.example",
            domain=f"{key}.example",
            parent_id=partners.get(parent) if parent is not None else None,
            created_at=now - dt.timedelta(days=200 - i),
        )
        # One flush per partner: the ancestry trigger reads the parent's rows.
        partners[key] = (await _created(session, system, [row]))[0].id
    for partner, local, name, role in PARTNER_USERS:
        email = f"{local}@{partner}.example"
        user = await create_member(
            session,
            system,
            email=email,
            name=name,
            audience="partner",
            roles=[role],
            partner_id=partners[partner],
            status="active",
        )
        users[f"{partner}.{local}"] = user.id
    customers = [
        Customer(
            name=name,
            domain=f"{key}.example",
            industry=industry,
            size=size,
            lifecycle_stage=stage,
            owner_id=users[owner],
            partner_id=partners.get(partner) if partner is not None else None,
            created_at=now - dt.timedelta(days=150 - i),
        )
        for i, (key, name, industry, size, stage, owner, partner) in enumerate(CUSTOMERS)
    ]
    await _created(session, system, customers)
    customer_ids = {key: customer.id for (key, *_), customer in zip(CUSTOMERS, customers, strict=True)}
    contacts = [
        Contact(
            customer_id=customer_ids[c], first_name=first, last_name=last, email=_email(first, last, c), title=title
        )
        for c, first, last, title in CONTACTS
    ] + [
        Contact(partner_id=partners[p], first_name=first, last_name=last, email=_email(first, last, p), title=title)
        for p, first, last, title in PARTNER_CONTACTS
    ]
    await _created(session, system, contacts)
    for customer, first, last in CUSTOMER_USERS:
        await create_member(
            session,
            system,
            email=_email(first, last, customer),
            name=f"{first} {last}",
            audience="customer",
            roles=["customer_user"],
            customer_id=customer_ids[customer],
            status="active",
        )
    deals = await _deals(session, system, now, customer_ids, partners, users)
    subjects = {"customer": customer_ids, "deal": deals, "partner": partners}
    activities = [
        Activity(
            kind=kind,
            subject=summary,
            author_id=users[author],
            occurred_at=now - dt.timedelta(days=days),
            due_at=now + dt.timedelta(days=7 - days) if kind == "task" else None,
            **{f"{target}_id": subjects[target][key]},
        )
        for target, key, kind, summary, author, days in ACTIVITIES
    ]
    await _created(session, system, activities)


async def _staff(session: AsyncSession, system: Principal, slug: str) -> dict[str, uuid.UUID]:
    """Every vendor role; the owner that provisioning invited becomes active."""
    users: dict[str, uuid.UUID] = {}
    for key, name, role in STAFF:
        email = f"{key}@{slug}.example"
        user = await find_user_by_email(session, email) if role == "owner" else None
        if user is not None:
            before = snapshot(user)
            user.status, user.version = "active", user.version + 1
            await session.flush()
            await record(session, system, "user.activate", "User", user.id, before=before, after=snapshot(user))
        else:
            user = await create_member(
                session, system, email=email, name=name, audience="vendor", roles=[role], status="active"
            )
        users[key] = user.id
    return users


async def _deals(
    session: AsyncSession,
    system: Principal,
    now: dt.datetime,
    customers: dict[str, uuid.UUID],
    partners: dict[str, uuid.UUID],
    users: dict[str, uuid.UUID],
) -> dict[str, uuid.UUID]:
    """The deals, each with its path through the pipeline: a week per stage, the last move at its close."""
    pipeline = {stage.name: stage for stage in await stages(session)}
    open_stages = [name for name, stage in pipeline.items() if stage.kind == "open"]
    deals, history = [], []
    for key, title, customer, partner, source, stage_name, amount, currency, owner, days in DEALS:
        stage = pipeline[stage_name]
        if stage.kind == "open":
            path, last_move = open_stages[: open_stages.index(stage_name) + 1], now - dt.timedelta(days=2)
        else:
            reached = open_stages if stage.kind == "won" else open_stages[: open_stages.index(LOST_AFTER) + 1]
            path, last_move = [*reached, stage_name], now + dt.timedelta(days=days)
        moved_at = [last_move - dt.timedelta(weeks=len(path) - 1 - i) for i in range(len(path))]
        deal = Deal(
            id=uuid.uuid4(),
            title=title,
            customer_id=customers[customer],
            partner_id=partners.get(partner) if partner is not None else None,
            source=source,
            stage_id=stage.id,
            amount=decimal.Decimal(amount),
            currency=currency,
            expected_close_date=(now + dt.timedelta(days=days)).date(),
            probability=stage.probability,
            owner_id=users[owner],
            status=stage.kind,
            close_reason=CLOSE_REASONS.get(key),
            closed_at=None if stage.kind == "open" else last_move,
            internal_notes=INTERNAL_NOTES.get(key),
            created_at=moved_at[0],
        )
        deals.append(deal)
        history += [
            DealStageChange(
                tenant_id=system.tenant_id,
                deal_id=deal.id,
                from_stage_id=pipeline[before].id if before else None,
                to_stage_id=pipeline[after].id,
                changed_by=users[owner],
                changed_at=at,
            )
            for before, after, at in zip([None, *path[:-1]], path, moved_at, strict=True)
        ]
    await _created(session, system, deals)
    session.add_all(history)
    await session.flush()
    return {key: deal.id for (key, *_), deal in zip(DEALS, deals, strict=True)}


async def _created(session: AsyncSession, system: Principal, rows: list[Any]) -> list[Any]:
    """Insert `rows` into the system principal's tenant and audit each as `<type>.create`."""
    for row in rows:
        row.tenant_id = system.tenant_id
    session.add_all(rows)
    await session.flush()
    for row in rows:
        kind = type(row).__name__
        await record(session, system, f"{kind.lower()}.create", kind, row.id, after=snapshot(row))
    return rows

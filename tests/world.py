"""A small, complete tenant for graph tests: every vendor role, a distributor with a sub-reseller and an
unrelated reseller (each with an admin and a rep), a customer user, and customers, contacts, deals and
activities spread across them. Built through the services, as the tenant's `system` principal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import text

from authz.principal import Principal
from tenants.activities.service import add_activity
from tenants.customers.service import create_contact, create_customer
from tenants.database import tenant_session
from tenants.deals.service import create_deal
from tenants.identity.users import create_member
from tenants.partners.service import create_partner

VENDOR_ROLES = ("owner", "admin", "channel_manager", "sales_manager", "sales_rep", "support")


@dataclass
class Persona:
    name: str
    audience: str
    roles: tuple[str, ...]
    user_id: uuid.UUID
    token: str


@dataclass
class World:
    tenant_id: uuid.UUID
    slug: str
    people: dict[str, Persona] = field(default_factory=dict)
    partners: dict[str, uuid.UUID] = field(default_factory=dict)
    customers: dict[str, uuid.UUID] = field(default_factory=dict)
    contacts: dict[str, uuid.UUID] = field(default_factory=dict)
    deals: dict[str, uuid.UUID] = field(default_factory=dict)
    stages: dict[str, uuid.UUID] = field(default_factory=dict)

    def token(self, persona: str) -> str:
        return self.people[persona].token


async def build_world(sessions, new_tenant, mint) -> World:
    tenant = await new_tenant("world")
    world = World(tenant.id, tenant.slug)
    system = Principal.system(tenant.id)
    async with tenant_session(sessions, system) as s:
        await s.execute(text("update app.users set status = 'active'"))
        world.people["owner"] = Persona("owner", "vendor", ("owner",), tenant.admin_id, "")
        for role in VENDOR_ROLES[1:]:
            names = ("rep1", "rep2") if role == "sales_rep" else (role,)
            for name in names:
                user = await create_member(
                    s,
                    system,
                    email=f"{name}@{tenant.slug}.example",
                    name=name,
                    audience="vendor",
                    roles=[role],
                    status="active",
                )
                world.people[name] = Persona(name, "vendor", (role,), user.id, "")
        dist = await create_partner(
            s,
            system,
            {
                "name": "Northwind",
                "kind": "distributor",
                "status": "active",
                "tier": "gold",
                "domain": "northwind.example",
            },
        )
        sub = await create_partner(
            s,
            system,
            {"name": "Contoso", "kind": "reseller", "status": "active", "tier": "silver", "parent_id": dist.id},
        )
        other = await create_partner(s, system, {"name": "Fabrikam", "kind": "reseller", "status": "active"})
        world.partners.update(dist=dist.id, sub=sub.id, other=other.id)
        for key, partner in (("dist", dist), ("sub", sub), ("other", other)):
            for role in ("partner_admin", "partner_rep"):
                name = f"{key}_{role.split('_')[1]}"
                user = await create_member(
                    s,
                    system,
                    email=f"{name}@{key}.example",
                    name=name,
                    audience="partner",
                    roles=[role],
                    partner_id=partner.id,
                    status="active",
                )
                world.people[name] = Persona(name, "partner", (role,), user.id, "")
        owners = {"direct": "rep1", "direct2": "rep2", "dist": "rep1", "sub": "rep2", "other": "rep1"}
        partner_of = {"dist": dist.id, "sub": sub.id, "other": other.id}
        for key, owner in owners.items():
            customer = await create_customer(
                s,
                system,
                {
                    "name": f"Customer {key}",
                    "domain": f"{key}.customer.example",
                    "owner_id": world.people[owner].user_id,
                    "partner_id": partner_of.get(key),
                },
            )
            world.customers[key] = customer.id
            contact = await create_contact(
                s,
                system,
                {
                    "first_name": "Pat",
                    "last_name": key,
                    "email": f"pat@{key}.customer.example",
                    "customer_id": customer.id,
                },
            )
            world.contacts[key] = contact.id
            deal = await create_deal(
                s,
                system,
                {
                    "title": f"Deal {key}",
                    "customer_id": customer.id,
                    "amount": 1000,
                    "currency": "USD",
                    "owner_id": world.people[owner].user_id,
                    "partner_id": partner_of.get(key),
                    "source": "partner_sourced" if key in partner_of else "direct",
                    "internal_notes": f"internal {key}",
                },
            )
            world.deals[key] = deal.id
            await add_activity(s, system, {"kind": "note", "subject": f"Note on {key}", "deal_id": deal.id})
        user = await create_member(
            s,
            system,
            email="buyer@dist.customer.example",
            name="Buyer",
            audience="customer",
            roles=["customer_user"],
            customer_id=world.customers["dist"],
            status="active",
        )
        world.people["customer"] = Persona("customer", "customer", ("customer_user",), user.id, "")
        rows = await s.execute(text("select name, id from app.pipeline_stages"))
        world.stages = {name: id_ for name, id_ in rows}
    for persona in world.people.values():
        persona.token = mint(tenant.id, persona.user_id)
    return world


SNAPSHOT_TABLES = (
    "partners",
    "customers",
    "contacts",
    "deals",
    "deal_stage_history",
    "activities",
    "users",
    "memberships",
    "invitations",
    "api_keys",
    "pipeline_stages",
    "leads",
    "lead_assignments",
    "registrations",
    "registration_conflicts",
    "webhook_endpoints",
)


# A key's `last_used_at` is written at most once a minute outside the request's transaction, whatever the
# request did: not a change the request made.
ROW = {"api_keys": "id, to_jsonb(t) - 'last_used_at'"}


async def snapshot(sessions, tenant_id: uuid.UUID) -> dict[str, list]:
    """Every row of the business tables, to compare before and after a refused call."""
    async with tenant_session(sessions, Principal.system(tenant_id), read_only=True) as s:
        return {
            table: [
                tuple(r)
                for r in (await s.execute(text(f"select {ROW.get(table, '*')} from app.{table} t order by id"))).all()
            ]
            for table in SNAPSHOT_TABLES
        }

"""`viewer`: who am I, and what may I do."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.customers.types import Customer
from schema.graph.entities import enum, plain
from schema.graph.loaders import load_one
from schema.graph.readers import SIGNED_IN
from schema.identity.types import User
from schema.partners.types import Partner
from schema.relay import to_global_id
from tenants.customers.models import Customer as CustomerRow
from tenants.identity.models import User as UserRow
from tenants.partners.models import Partner as PartnerRow
from tenants.platform.models import Tenant as TenantRow

Audience = enum("Audience", ("platform", "vendor", "partner", "customer"))


@plain(readers=SIGNED_IN)
class ViewerTenant:
    id: strawberry.ID
    slug: str
    name: str
    time_zone: str
    default_currency: str
    fiscal_year_start_month: int


@plain(readers=SIGNED_IN)
class Viewer:
    audience: Audience
    user_id: strawberry.ID | None
    tenant_id: strawberry.ID | None
    partner_id: strawberry.ID | None
    customer_id: strawberry.ID | None
    roles: list[str]
    api_key: bool = strawberry.field(description="Whether the caller authenticated with an API key.")

    @strawberry.field(description="Actions (`object:action`) the caller may perform, for showing controls.")
    def permissions(self, info: Info) -> list[str]:
        return sorted(str(action) for action in info.context.decisions.permitted())

    @strawberry.field(description="The signed-in user (null for API keys and platform admins).")
    async def user(self, info: Info) -> User | None:
        row = await load_one(info.context, UserRow, info.context.principal.user_id)
        return None if row is None or info.context.principal.tenant_id is None else User.of(row)

    @strawberry.field
    async def tenant(self, info: Info) -> ViewerTenant | None:
        tenant_id = info.context.principal.tenant_id
        if tenant_id is None:
            return None
        row = await load_one(info.context, TenantRow, tenant_id)
        return (
            None
            if row is None
            else ViewerTenant(
                id=to_global_id("Tenant", row.id),
                slug=row.slug,
                name=row.name,
                time_zone=row.time_zone,
                default_currency=row.default_currency,
                fiscal_year_start_month=row.fiscal_year_start_month,
            )
        )

    @strawberry.field(description="The caller's partner organisation, for partner users and keys.")
    async def partner(self, info: Info) -> Partner | None:
        row = await load_one(info.context, PartnerRow, info.context.principal.partner_id)
        return None if row is None else Partner.of(row)

    @strawberry.field(description="The caller's customer account, for customer users and keys.")
    async def customer(self, info: Info) -> Customer | None:
        row = await load_one(info.context, CustomerRow, info.context.principal.customer_id)
        return None if row is None else Customer.of(row)

    @classmethod
    def of(cls, info: Info) -> Viewer:
        p = info.context.principal
        return cls(
            audience=Audience(str(p.audience)),
            user_id=to_global_id("User", p.user_id) if p.user_id else None,
            tenant_id=to_global_id("Tenant", p.tenant_id) if p.tenant_id else None,
            partner_id=to_global_id("Partner", p.partner_id) if p.partner_id else None,
            customer_id=to_global_id("Customer", p.customer_id) if p.customer_id else None,
            roles=sorted(p.roles),
            api_key=p.api_key_id is not None,
        )

"""`viewer`: who am I, and what may I do."""

from __future__ import annotations

import enum

import strawberry
from strawberry.types import Info

from schema.relay import to_global_id


@strawberry.enum
class Audience(enum.Enum):
    PLATFORM = "platform"
    VENDOR = "vendor"
    PARTNER = "partner"
    CUSTOMER = "customer"


@strawberry.type
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

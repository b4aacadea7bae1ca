"""Platform mutations: provision, suspend, reactivate."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.graph.entities import plain
from schema.graph.readers import PLATFORM
from schema.permissions import requires
from schema.platform.types import Tenant
from schema.relay import from_global_id, to_global_id
from tenants.platform import provisioning


@strawberry.input
class ProvisionTenantInput:
    slug: str
    name: str
    admin_email: str
    admin_name: str
    plan: str = "standard"
    time_zone: str = "UTC"
    default_currency: str = "USD"


@plain(readers=PLATFORM)
class ProvisionTenantPayload:
    tenant: Tenant
    admin_user_id: strawberry.ID
    invitation_token: str = strawberry.field(
        description="One-time token for the first admin (acceptInvitation). Shown once; only its digest is kept."
    )


@plain(readers=PLATFORM)
class TenantPayload:
    tenant: Tenant


async def _set_status(info: Info, id: strawberry.ID, status: str) -> TenantPayload:
    _, tenant_id = from_global_id(id, "Tenant")
    db = info.context.db
    async with db.writing() as session:
        row = await provisioning.set_tenant_status(session, db.principal, tenant_id, status)
        return TenantPayload(tenant=Tenant.of(row))


@strawberry.type
class PlatformMutation:
    @strawberry.mutation(permission_classes=[requires(actions.TENANT_PROVISION)])
    async def provision_tenant(self, info: Info, input: ProvisionTenantInput) -> ProvisionTenantPayload:
        db = info.context.db
        async with db.writing() as session:
            done = await provisioning.provision_tenant(
                session,
                db.principal,
                slug=input.slug,
                name=input.name,
                admin_email=input.admin_email,
                admin_name=input.admin_name,
                plan=input.plan,
                time_zone=input.time_zone,
                default_currency=input.default_currency,
            )
            await session.refresh(done.tenant)
        return ProvisionTenantPayload(
            tenant=Tenant.of(done.tenant),
            admin_user_id=to_global_id("User", done.admin_user_id),
            invitation_token=done.invitation_token,
        )

    @strawberry.mutation(permission_classes=[requires(actions.TENANT_SUSPEND)])
    async def suspend_tenant(self, info: Info, id: strawberry.ID) -> TenantPayload:
        return await _set_status(info, id, "suspended")

    @strawberry.mutation(permission_classes=[requires(actions.TENANT_REACTIVATE)])
    async def reactivate_tenant(self, info: Info, id: strawberry.ID) -> TenantPayload:
        return await _set_status(info, id, "active")

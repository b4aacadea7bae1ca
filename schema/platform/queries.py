"""Platform queries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.permissions import requires
from schema.platform.types import Tenant, TenantStatus
from schema.relay import Connection, from_global_id, page_request
from tenants.pagination import count
from tenants.platform import provisioning


@strawberry.type
class PlatformQuery:
    @strawberry.field(permission_classes=[requires(actions.TENANT_READ)], description="Every tenant (platform).")
    async def tenants(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: TenantStatus | None = None,
        search: str | None = None,
    ) -> Connection[Tenant]:
        db = info.context.db
        filters = {"status": status.value if status else None, "search": search}
        request = page_request(first, after, last, before)
        async with db.reading() as session:
            page = await provisioning.list_tenants(session, db.principal, request, **filters)

        async def total() -> int:
            async with db.reading() as session:
                return await count(session, provisioning.tenants_query(**filters))

        return Connection.of(page, Tenant.of, total)

    @strawberry.field(permission_classes=[requires(actions.TENANT_READ)], description="One tenant (platform).")
    async def tenant(self, info: Info, id: strawberry.ID) -> Tenant:
        _, tenant_id = from_global_id(id, "Tenant")
        db = info.context.db
        async with db.reading() as session:
            return Tenant.of(await provisioning.get_tenant(session, db.principal, tenant_id))

"""Platform queries."""

from __future__ import annotations

import strawberry

from authz import actions
from schema.graph.listings import connection, lookup
from schema.platform.types import Tenant, TenantStatus
from tenants.platform.provisioning import TENANTS


@strawberry.type
class PlatformQuery:
    tenants = connection(
        Tenant,
        TENANTS,
        action=actions.TENANT_READ,
        arguments={"status": TenantStatus | None, "search": str | None},
        description="Every tenant (platform).",
    )
    tenant = lookup(Tenant, action=actions.TENANT_READ, description="One tenant (platform).")

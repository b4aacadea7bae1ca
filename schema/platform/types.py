"""Tenant as the platform sees it."""

from __future__ import annotations

import datetime as dt

from authz import actions
from schema.graph.entities import entity, enum
from schema.graph.fields import column
from schema.graph.readers import PLATFORM
from schema.relay import Node
from tenants.platform.models import TENANT_STATUSES
from tenants.platform.models import Tenant as TenantRow

TenantStatus = enum("TenantStatus", TENANT_STATUSES)


@entity(TenantRow, readers=PLATFORM, action=actions.TENANT_READ)
class Tenant(Node):
    slug: str = column(PLATFORM)
    name: str = column(PLATFORM)
    status: TenantStatus = column(PLATFORM)
    plan: str = column(PLATFORM)
    time_zone: str = column(PLATFORM)
    fiscal_year_start_month: int = column(PLATFORM)
    default_currency: str = column(PLATFORM)
    created_at: dt.datetime = column(PLATFORM)
    updated_at: dt.datetime = column(PLATFORM)

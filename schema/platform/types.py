"""Tenant as the platform sees it."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from schema.relay import Node, to_global_id
from tenants.platform.models import Tenant as TenantRow


@strawberry.enum
class TenantStatus(enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@strawberry.type
class Tenant(Node):
    slug: str
    name: str
    status: TenantStatus
    plan: str
    time_zone: str
    fiscal_year_start_month: int
    default_currency: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, row: TenantRow) -> Tenant:
        return cls(
            id=to_global_id("Tenant", row.id),
            slug=row.slug,
            name=row.name,
            status=TenantStatus(row.status),
            plan=row.plan,
            time_zone=row.time_zone,
            fiscal_year_start_month=row.fiscal_year_start_month,
            default_currency=row.default_currency,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

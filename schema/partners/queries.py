"""Partner queries."""

from __future__ import annotations

import strawberry

from authz import actions
from schema.enums import PartnerKind, PartnerStatus
from schema.graph.listings import connection, lookup, order_enum
from schema.partners.types import Partner
from tenants.partners.service import PARTNERS

PartnerOrder = order_enum("PartnerOrder", PARTNERS)


@strawberry.input
class PartnerFilterInput:
    search: str | None = strawberry.field(default=None, description="Part of the name or domain.")
    status: PartnerStatus | None = None
    tier: str | None = None
    kind: PartnerKind | None = None
    parent_id: strawberry.ID | None = None
    below_id: strawberry.ID | None = strawberry.field(default=None, description="Sub-partners at any depth.")
    include_archived: bool = False


@strawberry.type
class PartnerQuery:
    partners = connection(Partner, PARTNERS, action=actions.PARTNER_READ, filter=PartnerFilterInput, order=PartnerOrder)
    partner = lookup(Partner, action=actions.PARTNER_READ)

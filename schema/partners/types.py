"""Partner as the graph shows it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from authz import actions
from schema.enums import PartnerKind, PartnerStatus
from schema.graph.entities import entity
from schema.graph.fields import Link, children, column, reference
from schema.graph.readers import CHANNEL
from schema.relay import Node
from tenants.activities.service import ORDERS as ACTIVITY_ORDERS
from tenants.customers.service import CONTACT_ORDERS, CUSTOMER_ORDERS
from tenants.deals.service import ORDERS as DEAL_ORDERS
from tenants.identity.models import Membership
from tenants.pagination import SortKey
from tenants.partners.models import Partner as PartnerRow
from tenants.partners.service import ORDERS as PARTNER_ORDERS

if TYPE_CHECKING:
    from schema.activities.types import Activity
    from schema.customers.types import Contact, Customer
    from schema.deals.types import Deal
    from schema.identity.types import User

# A partner's users are its members, in the order they joined.
MEMBERS = Link(Membership, "partner_id", "user_id", [SortKey(Membership.created_at), SortKey(Membership.id)])


@entity(PartnerRow, readers=CHANNEL, action=actions.PARTNER_READ)
class Partner(Node):
    name: str = column(CHANNEL)
    kind: PartnerKind = column(CHANNEL)
    status: PartnerStatus = column(CHANNEL)
    tier: str | None = column(CHANNEL)
    territory: str | None = column(CHANNEL)
    website: str | None = column(CHANNEL)
    domain: str | None = column(CHANNEL)
    version: int = column(CHANNEL)
    created_at: dt.datetime = column(CHANNEL)
    updated_at: dt.datetime = column(CHANNEL)
    archived_at: dt.datetime | None = column(CHANNEL)
    parent: Partner | None = reference(
        "parent_id", CHANNEL, description="The distributor above this partner, if the caller may see it."
    )
    sub_partners: list[Partner] = children(
        "parent_id", PARTNER_ORDERS["NAME"], CHANNEL, description="Direct sub-partners (each has its own subPartners)."
    )
    users: list[Annotated[User, strawberry.lazy("schema.identity.types")]] = children(
        "partner_id", (), CHANNEL, through=MEMBERS
    )
    customers: list[Annotated[Customer, strawberry.lazy("schema.customers.types")]] = children(
        "partner_id", CUSTOMER_ORDERS["NAME"], CHANNEL
    )
    deals: list[Annotated[Deal, strawberry.lazy("schema.deals.types")]] = children(
        "partner_id", DEAL_ORDERS["CREATED_AT"], CHANNEL
    )
    contacts: list[Annotated[Contact, strawberry.lazy("schema.customers.types")]] = children(
        "partner_id", CONTACT_ORDERS["NAME"], CHANNEL
    )
    activities: list[Annotated[Activity, strawberry.lazy("schema.activities.types")]] = children(
        "partner_id", ACTIVITY_ORDERS["OCCURRED_AT"], CHANNEL
    )

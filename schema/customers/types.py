"""Customer and Contact as the graph shows them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from authz import actions
from schema.enums import LifecycleStage
from schema.graph.entities import entity
from schema.graph.fields import children, column, reference
from schema.graph.readers import CHANNEL, TENANT, VENDOR
from schema.relay import Node
from tenants.activities.service import ORDERS as ACTIVITY_ORDERS
from tenants.customers.models import Contact as ContactRow
from tenants.customers.models import Customer as CustomerRow
from tenants.customers.service import CONTACT_ORDERS
from tenants.deals.service import ORDERS as DEAL_ORDERS

if TYPE_CHECKING:
    from schema.activities.types import Activity
    from schema.deals.types import Deal
    from schema.identity.types import User
    from schema.partners.types import Partner

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partners.types")]
UserRef = Annotated["User", strawberry.lazy("schema.identity.types")]


@entity(CustomerRow, readers=TENANT, action=actions.CUSTOMER_READ)
class Customer(Node):
    name: str = column(TENANT)
    domain: str | None = column(TENANT)
    industry: str | None = column(TENANT)
    size: str | None = column(TENANT)
    lifecycle_stage: LifecycleStage = column(TENANT)
    version: int = column(TENANT)
    created_at: dt.datetime = column(TENANT)
    updated_at: dt.datetime = column(TENANT)
    archived_at: dt.datetime | None = column(TENANT)
    owner: UserRef | None = reference(
        "owner_id", VENDOR.needs(actions.CUSTOMER_READ_OWNER), description="The vendor user who owns the account."
    )
    partner: PartnerRef | None = reference(
        "partner_id", CHANNEL, description="The partner managing this account, if any."
    )
    contacts: list[Contact] = children("customer_id", CONTACT_ORDERS["NAME"], TENANT)
    deals: list[Annotated[Deal, strawberry.lazy("schema.deals.types")]] = children(
        "customer_id", DEAL_ORDERS["CREATED_AT"], TENANT
    )
    activities: list[Annotated[Activity, strawberry.lazy("schema.activities.types")]] = children(
        "customer_id", ACTIVITY_ORDERS["OCCURRED_AT"], CHANNEL
    )


@entity(ContactRow, readers=TENANT, action=actions.CONTACT_READ)
class Contact(Node):
    first_name: str = column(TENANT)
    last_name: str = column(TENANT)
    email: str | None = column(TENANT)
    phone: str | None = column(TENANT)
    title: str | None = column(TENANT)
    version: int = column(TENANT)
    created_at: dt.datetime = column(TENANT)
    updated_at: dt.datetime = column(TENANT)
    archived_at: dt.datetime | None = column(TENANT)
    name: str = column(TENANT, description="First and last name.")
    customer: Customer | None = reference("customer_id", TENANT)
    partner: PartnerRef | None = reference("partner_id", CHANNEL)

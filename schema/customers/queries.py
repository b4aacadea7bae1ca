"""Customer and contact queries."""

from __future__ import annotations

import strawberry

from authz import actions
from schema.customers.types import Contact, Customer
from schema.enums import LifecycleStage
from schema.graph.listings import connection, lookup, order_enum
from tenants.customers.service import CONTACTS, CUSTOMERS

CustomerOrder = order_enum("CustomerOrder", CUSTOMERS)
ContactOrder = order_enum("ContactOrder", CONTACTS)


@strawberry.input
class CustomerFilterInput:
    search: str | None = strawberry.field(default=None, description="Part of the name or domain.")
    lifecycle_stage: LifecycleStage | None = None
    partner_id: strawberry.ID | None = None
    owner_id: strawberry.ID | None = None
    industry: str | None = None
    include_archived: bool = False


@strawberry.input
class ContactFilterInput:
    search: str | None = None
    customer_id: strawberry.ID | None = None
    partner_id: strawberry.ID | None = None
    include_archived: bool = False


@strawberry.type
class CustomerQuery:
    customers = connection(
        Customer, CUSTOMERS, action=actions.CUSTOMER_READ, filter=CustomerFilterInput, order=CustomerOrder
    )
    customer = lookup(Customer, action=actions.CUSTOMER_READ)
    contacts = connection(Contact, CONTACTS, action=actions.CONTACT_READ, filter=ContactFilterInput, order=ContactOrder)
    contact = lookup(Contact, action=actions.CONTACT_READ)

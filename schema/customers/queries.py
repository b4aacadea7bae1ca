"""Customer and contact queries."""

from __future__ import annotations

import enum

import strawberry
from strawberry.types import Info

from authz import actions
from schema.customers.types import Contact, Customer
from schema.enums import LifecycleStage, value
from schema.permissions import requires
from schema.relay import Connection, connection, lookup, optional_id
from tenants.customers.models import Contact as ContactRow
from tenants.customers.models import Customer as CustomerRow
from tenants.customers.service import (
    CONTACT_ORDERS,
    CUSTOMER_ORDERS,
    ContactFilter,
    CustomerFilter,
    contacts_query,
    customers_query,
)


@strawberry.enum
class CustomerOrder(enum.Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"


@strawberry.enum
class ContactOrder(enum.Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"


@strawberry.input
class CustomerFilterInput:
    search: str | None = strawberry.field(default=None, description="Part of the name or domain.")
    lifecycle_stage: LifecycleStage | None = None
    partner_id: strawberry.ID | None = None
    owner_id: strawberry.ID | None = None
    industry: str | None = None
    include_archived: bool = False

    def to_filter(self) -> CustomerFilter:
        return CustomerFilter(
            search=self.search,
            lifecycle_stage=value(self.lifecycle_stage),
            partner_id=optional_id(self.partner_id, "Partner"),
            owner_id=optional_id(self.owner_id, "User"),
            industry=self.industry,
            include_archived=self.include_archived,
        )


@strawberry.input
class ContactFilterInput:
    search: str | None = None
    customer_id: strawberry.ID | None = None
    partner_id: strawberry.ID | None = None
    include_archived: bool = False

    def to_filter(self) -> ContactFilter:
        return ContactFilter(
            search=self.search,
            customer_id=optional_id(self.customer_id, "Customer"),
            partner_id=optional_id(self.partner_id, "Partner"),
            include_archived=self.include_archived,
        )


@strawberry.type
class CustomerQuery:
    @strawberry.field(permission_classes=[requires(actions.CUSTOMER_READ)])
    async def customers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: CustomerFilterInput | None = None,
        order_by: CustomerOrder = CustomerOrder.NAME,
    ) -> Connection[Customer]:
        query = customers_query((filter or CustomerFilterInput()).to_filter())
        return await connection(
            info,
            query,
            CUSTOMER_ORDERS[order_by.value],
            Customer.of,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(permission_classes=[requires(actions.CUSTOMER_READ)])
    async def customer(self, info: Info, id: strawberry.ID) -> Customer:
        return await lookup(info, CustomerRow, id, "Customer", Customer.of)

    @strawberry.field(permission_classes=[requires(actions.CONTACT_READ)])
    async def contacts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ContactFilterInput | None = None,
        order_by: ContactOrder = ContactOrder.NAME,
    ) -> Connection[Contact]:
        query = contacts_query((filter or ContactFilterInput()).to_filter())
        return await connection(
            info, query, CONTACT_ORDERS[order_by.value], Contact.of, first=first, after=after, last=last, before=before
        )

    @strawberry.field(permission_classes=[requires(actions.CONTACT_READ)])
    async def contact(self, info: Info, id: strawberry.ID) -> Contact:
        return await lookup(info, ContactRow, id, "Contact", Contact.of)

"""Customer and contact mutations."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.customers.types import Contact, Customer
from schema.enums import LifecycleStage
from schema.graph.entities import plain
from schema.graph.readers import TENANT
from schema.inputs import provided
from schema.permissions import requires
from schema.relay import from_global_id
from tenants.customers import service

UNSET = strawberry.UNSET
CUSTOMER_IDS = {"owner_id": "User", "partner_id": "Partner"}
CONTACT_IDS = {"customer_id": "Customer", "partner_id": "Partner"}


@strawberry.input
class CreateCustomerInput:
    name: str
    domain: str | None = None
    industry: str | None = None
    size: str | None = strawberry.field(default=None, description="1-10, 11-50, 51-200, 201-1000, 1001-5000, 5000+")
    lifecycle_stage: LifecycleStage = LifecycleStage.PROSPECT
    owner_id: strawberry.ID | None = UNSET
    partner_id: strawberry.ID | None = UNSET


@strawberry.input
class UpdateCustomerInput:
    id: strawberry.ID
    version: int
    name: str | None = UNSET
    domain: str | None = UNSET
    industry: str | None = UNSET
    size: str | None = UNSET
    lifecycle_stage: LifecycleStage | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    partner_id: strawberry.ID | None = UNSET


@strawberry.input
class CreateContactInput:
    first_name: str
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    customer_id: strawberry.ID | None = None
    partner_id: strawberry.ID | None = None


@strawberry.input
class UpdateContactInput:
    id: strawberry.ID
    version: int
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    title: str | None = UNSET


@plain(readers=TENANT)
class CustomerPayload:
    customer: Customer


@plain(readers=TENANT)
class ContactPayload:
    contact: Contact


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(permission_classes=[requires(actions.CUSTOMER_CREATE)])
    async def create_customer(self, info: Info, input: CreateCustomerInput) -> CustomerPayload:
        row = await info.context.write(service.create_customer, provided(input, ids=CUSTOMER_IDS))
        return CustomerPayload(customer=Customer.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.CUSTOMER_UPDATE)])
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> CustomerPayload:
        _, customer_id = from_global_id(input.id, "Customer")
        row = await info.context.write(
            service.update_customer, customer_id, input.version, provided(input, ids=CUSTOMER_IDS)
        )
        return CustomerPayload(customer=Customer.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.CUSTOMER_ARCHIVE)])
    async def archive_customer(self, info: Info, id: strawberry.ID, version: int) -> CustomerPayload:
        _, customer_id = from_global_id(id, "Customer")
        row = await info.context.write(service.archive_customer, customer_id, version)
        return CustomerPayload(customer=Customer.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.CONTACT_CREATE)])
    async def create_contact(self, info: Info, input: CreateContactInput) -> ContactPayload:
        row = await info.context.write(service.create_contact, provided(input, ids=CONTACT_IDS))
        return ContactPayload(contact=Contact.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.CONTACT_UPDATE)])
    async def update_contact(self, info: Info, input: UpdateContactInput) -> ContactPayload:
        _, contact_id = from_global_id(input.id, "Contact")
        row = await info.context.write(service.update_contact, contact_id, input.version, provided(input))
        return ContactPayload(contact=Contact.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.CONTACT_ARCHIVE)])
    async def archive_contact(self, info: Info, id: strawberry.ID, version: int) -> ContactPayload:
        _, contact_id = from_global_id(id, "Contact")
        row = await info.context.write(service.archive_contact, contact_id, version)
        return ContactPayload(contact=Contact.of(row))

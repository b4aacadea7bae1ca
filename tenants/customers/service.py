"""Customers and contacts: listing with filters, create, update, archive."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Audience, Principal
from tenants import records
from tenants.customers.models import COMPANY_SIZES, LIFECYCLE_STAGES, Contact, Customer
from tenants.errors import BadInput, Conflict
from tenants.filters import Criterion, Listing
from tenants.identity.models import User
from tenants.identity.users import EMAIL
from tenants.pagination import SortKey
from tenants.partners.models import Partner
from tenants.text_search import contains, normalise_domain

CUSTOMER_ORDERS = {
    "NAME": [SortKey(Customer.name), SortKey(Customer.id, kind=uuid.UUID)],
    "CREATED_AT": [
        SortKey(Customer.created_at, descending=True, kind=dt.datetime),
        SortKey(Customer.id, kind=uuid.UUID),
    ],
}
CONTACT_ORDERS = {
    "NAME": [SortKey(Contact.last_name), SortKey(Contact.first_name), SortKey(Contact.id, kind=uuid.UUID)],
    "CREATED_AT": [SortKey(Contact.created_at, descending=True, kind=dt.datetime), SortKey(Contact.id, kind=uuid.UUID)],
}

CUSTOMERS = Listing(
    Customer,
    {
        "search": Criterion(lambda v: or_(Customer.name.ilike(v), Customer.domain.ilike(v)), prepare=contains),
        "lifecycle_stage": Criterion(lambda v: Customer.lifecycle_stage == v),
        "partner_id": Criterion(lambda v: Customer.partner_id == v),
        "owner_id": Criterion(lambda v: Customer.owner_id == v),
        "industry": Criterion(lambda v: Customer.industry == v),
    },
    CUSTOMER_ORDERS,
)
CONTACTS = Listing(
    Contact,
    {
        "search": Criterion(
            lambda v: or_(Contact.first_name.ilike(v), Contact.last_name.ilike(v), Contact.email.ilike(v)),
            prepare=contains,
        ),
        "customer_id": Criterion(lambda v: Contact.customer_id == v),
        "partner_id": Criterion(lambda v: Contact.partner_id == v),
    },
    CONTACT_ORDERS,
)


async def _check_customer(session: AsyncSession, principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
    if "name" in fields and not (fields["name"] or "").strip():
        raise BadInput("name must not be empty", field="name")
    if fields.get("lifecycle_stage") is not None and fields["lifecycle_stage"] not in LIFECYCLE_STAGES:
        raise BadInput(f"lifecycle stage must be one of {', '.join(LIFECYCLE_STAGES)}", field="lifecycleStage")
    if fields.get("size") is not None and fields["size"] not in COMPANY_SIZES:
        raise BadInput(f"size must be one of {', '.join(COMPANY_SIZES)}", field="size")
    if "domain" in fields:
        fields["domain"] = normalise_domain(fields["domain"])
    if fields.get("owner_id"):
        await records.load(session, User, fields["owner_id"], label="owner")
    if fields.get("partner_id"):
        await records.load(session, Partner, fields["partner_id"], label="partner")
    if principal.audience is Audience.PARTNER and ({"owner_id"} & fields.keys()):
        raise BadInput("partners do not assign vendor owners", field="ownerId")
    return fields


async def create_customer(session: AsyncSession, principal: Principal, fields: dict[str, Any]) -> Customer:
    fields = dict(fields)
    if principal.audience is Audience.PARTNER and fields.get("partner_id") is None:
        fields["partner_id"] = principal.partner_id  # a partner's customer is in its scope (null means its own)
    elif principal.audience is Audience.VENDOR:
        fields.setdefault("owner_id", principal.user_id)
    fields = await _check_customer(session, principal, fields)
    customer = Customer(id=uuid.uuid4(), tenant_id=principal.tenant_id, **fields)
    return await records.create(session, principal, customer, action="customer.create")


async def update_customer(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, version: int, changes: dict[str, Any]
) -> Customer:
    changes = await _check_customer(session, principal, dict(changes))
    customer = await records.lock_for_change(session, Customer, customer_id, version, label="customer")
    return await records.change(session, principal, customer, changes, action="customer.update")


async def archive_customer(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, version: int
) -> Customer:
    return await records.archive(session, principal, Customer, customer_id, version, label="customer")


async def _check_contact(session: AsyncSession, fields: dict[str, Any]) -> dict[str, Any]:
    if "first_name" in fields and not (fields["first_name"] or "").strip():
        raise BadInput("first name must not be empty", field="firstName")
    if fields.get("email"):
        fields["email"] = fields["email"].strip()
        if not EMAIL.match(fields["email"]):
            raise BadInput("not an email address", field="email")
    if fields.get("customer_id"):
        await records.load(session, Customer, fields["customer_id"], label="customer")
    if fields.get("partner_id"):
        await records.load(session, Partner, fields["partner_id"], label="partner")
    return fields


async def _email_taken(
    session: AsyncSession, customer_id: uuid.UUID | None, email: str | None, contact_id: uuid.UUID
) -> bool:
    if not email or not customer_id:
        return False
    stmt = select(Contact.id).where(
        Contact.customer_id == customer_id,
        func.lower(Contact.email) == email.lower(),
        Contact.archived_at.is_(None),
        Contact.id != contact_id,
    )
    return (await session.execute(stmt)).first() is not None


async def _flush_contact(session: AsyncSession, contact: Contact, write: Callable[[], Awaitable[Contact]]) -> Contact:
    if await _email_taken(session, contact.customer_id, contact.email, contact.id):
        raise Conflict("this customer already has a contact with that email", field="email")
    try:
        return await write()
    except IntegrityError as error:
        if "uq_contacts" in str(error.orig):
            raise Conflict("this customer already has a contact with that email", field="email") from None
        raise


async def create_contact(session: AsyncSession, principal: Principal, fields: dict[str, Any]) -> Contact:
    fields = await _check_contact(session, dict(fields))
    if bool(fields.get("customer_id")) == bool(fields.get("partner_id")):
        raise BadInput("a contact belongs to exactly one customer or one partner", field="customerId")
    contact = Contact(id=uuid.uuid4(), tenant_id=principal.tenant_id, **fields)
    return await _flush_contact(
        session, contact, lambda: records.create(session, principal, contact, action="contact.create")
    )


async def update_contact(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID, version: int, changes: dict[str, Any]
) -> Contact:
    changes = await _check_contact(session, dict(changes))
    if "customer_id" in changes or "partner_id" in changes:
        raise BadInput("a contact does not move between organisations", field="customerId")
    contact = await records.lock_for_change(session, Contact, contact_id, version, label="contact")
    if await _email_taken(session, contact.customer_id, changes.get("email", contact.email), contact.id):
        raise Conflict("this customer already has a contact with that email", field="email")
    return await records.change(session, principal, contact, changes, action="contact.update")


async def archive_contact(session: AsyncSession, principal: Principal, contact_id: uuid.UUID, version: int) -> Contact:
    return await records.archive(session, principal, Contact, contact_id, version, label="contact")

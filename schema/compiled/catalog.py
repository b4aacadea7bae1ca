"""What the compiled read path knows how to build in SQL: the plain-data types, their fields, and the root
fields that read them. A field absent here (one that needs Python, such as `Partner.users` or
`Contact.name`) sends the whole operation down the resolver path, which stays the reference.

Every entry mirrors a resolver: the same table, the same row policies (the same transaction), the same
order and limits for nested lists, the same filters (`tenants.filters` criteria) for root connections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from schema.compiled import sql
from schema.customers.queries import ContactFilterInput, CustomerFilterInput
from schema.deals.queries import DealFilterInput
from schema.partners.queries import PartnerFilterInput
from tenants.activities.models import Activity
from tenants.customers.models import Contact, Customer
from tenants.customers.service import (
    CONTACT_CRITERIA,
    CONTACT_ORDERS,
    CUSTOMER_CRITERIA,
    CUSTOMER_ORDERS,
    contacts_base,
    customers_base,
)
from tenants.deals.models import Deal, PipelineStage
from tenants.deals.service import DEAL_CRITERIA, deals_base
from tenants.deals.service import ORDERS as DEAL_ORDERS
from tenants.filters import Criteria
from tenants.identity.models import User
from tenants.pagination import SortKey
from tenants.partners.models import Partner
from tenants.partners.service import ORDERS as PARTNER_ORDERS
from tenants.partners.service import PARTNER_CRITERIA, partners_base


@dataclass(frozen=True)
class Scalar:
    """A field computed from the row's own column; `render` spells the serialisation in SQL."""

    column: str
    render: Callable[[str], str] = lambda expr: expr


@dataclass(frozen=True)
class Composite:
    """An object built from the row's own columns (Money)."""

    fields: dict[str, Scalar]


@dataclass(frozen=True)
class Reference:
    """A to-one field: the target row whose id is in the parent's `column` (null when out of scope)."""

    target: str
    column: str


@dataclass(frozen=True)
class Children:
    """A nested list: the target rows whose `column` holds the parent's id, the first `first` in `order`."""

    target: str
    column: str
    order: tuple[tuple[str, bool], ...]  # (column, descending)
    default_first: int = 20


Field = Scalar | Composite | Reference | Children


@dataclass(frozen=True)
class Entity:
    model: type
    fields: dict[str, Field]

    @property
    def table(self) -> str:
        return self.model.__table__.fullname

    @property
    def live_only(self) -> bool:
        """Nested lists skip archived rows where the table has them (as `schema.loaders.children`)."""
        return "archived_at" in self.model.__table__.c


def _id(type_name: str) -> Scalar:
    return Scalar("id", lambda e: sql.global_id(type_name, e))


def _time(column: str) -> Scalar:
    return Scalar(column, sql.timestamp)


def _enum(column: str) -> Scalar:
    return Scalar(column, sql.enum_name)


def _plain(*columns: str) -> dict[str, Scalar]:
    return {_camel(c): Scalar(c) for c in columns}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_VERSIONED = {
    "version": Scalar("version"),
    "createdAt": _time("created_at"),
    "updatedAt": _time("updated_at"),
    "archivedAt": _time("archived_at"),
}
_NEWEST_DEALS = (("created_at", True), ("id", False))
_BY_NAME = (("last_name", False), ("first_name", False), ("id", False))
_LATEST_ACTIVITIES = (("occurred_at", True), ("id", False))

ENTITIES: dict[str, Entity] = {
    "Customer": Entity(
        Customer,
        {
            "id": _id("Customer"),
            **_plain("name", "domain", "industry", "size"),
            "lifecycleStage": _enum("lifecycle_stage"),
            **_VERSIONED,
            "owner": Reference("User", "owner_id"),
            "partner": Reference("Partner", "partner_id"),
            "contacts": Children("Contact", "customer_id", _BY_NAME),
            "deals": Children("Deal", "customer_id", _NEWEST_DEALS),
            "activities": Children("Activity", "customer_id", _LATEST_ACTIVITIES),
        },
    ),
    "Contact": Entity(
        Contact,
        {
            "id": _id("Contact"),
            **_plain("first_name", "last_name", "email", "phone", "title"),
            **_VERSIONED,
            "customer": Reference("Customer", "customer_id"),
            "partner": Reference("Partner", "partner_id"),
        },
    ),
    "Partner": Entity(
        Partner,
        {
            "id": _id("Partner"),
            **_plain("name", "tier", "territory", "website", "domain"),
            "kind": _enum("kind"),
            "status": _enum("status"),
            **_VERSIONED,
            "parent": Reference("Partner", "parent_id"),
            "subPartners": Children("Partner", "parent_id", (("name", False), ("id", False))),
            "customers": Children("Customer", "partner_id", (("name", False), ("id", False))),
            "deals": Children("Deal", "partner_id", _NEWEST_DEALS),
            "contacts": Children("Contact", "partner_id", (("last_name", False), ("id", False))),
            "activities": Children("Activity", "partner_id", _LATEST_ACTIVITIES),
        },
    ),
    "Deal": Entity(
        Deal,
        {
            "id": _id("Deal"),
            **_plain("title", "probability", "close_reason", "internal_notes"),
            "source": _enum("source"),
            "status": _enum("status"),
            "amount": Composite({"amount": Scalar("amount", sql.decimal_text), "currency": Scalar("currency")}),
            "expectedCloseDate": Scalar("expected_close_date", sql.date),
            "closedAt": _time("closed_at"),
            **_VERSIONED,
            "customer": Reference("Customer", "customer_id"),
            "partner": Reference("Partner", "partner_id"),
            "stage": Reference("PipelineStage", "stage_id"),
            "owner": Reference("User", "owner_id"),
            "activities": Children("Activity", "deal_id", _LATEST_ACTIVITIES),
        },
    ),
    "Activity": Entity(
        Activity,
        {
            "id": _id("Activity"),
            "kind": _enum("kind"),
            **_plain("subject", "body"),
            "occurredAt": _time("occurred_at"),
            "dueAt": _time("due_at"),
            "createdAt": _time("created_at"),
            "author": Reference("User", "author_id"),
            "customer": Reference("Customer", "customer_id"),
            "deal": Reference("Deal", "deal_id"),
            "partner": Reference("Partner", "partner_id"),
        },
    ),
    "User": Entity(
        User,
        {"id": _id("User"), **_plain("email", "name", "status"), "createdAt": _time("created_at")},
    ),
    "PipelineStage": Entity(
        PipelineStage,
        {"id": _id("PipelineStage"), **_plain("name", "position", "probability"), "kind": _enum("kind")},
    ),
}


@dataclass(frozen=True)
class Listing:
    """A root connection: `base(include_archived)` narrowed by `criteria`, paged in one of `orders`."""

    entity: str
    base: Callable[[bool], Select]
    criteria: Criteria
    orders: dict[str, list[SortKey]]
    filter_input: Callable[[], Any]  # the filter input with its defaults, for a call without `filter`


@dataclass(frozen=True)
class Lookup:
    """A root object by global id; absent or out of scope is NOT_FOUND (left to the resolver path)."""

    entity: str


@dataclass(frozen=True)
class Stages:
    """`pipelineStages`: the tenant's stages by position."""

    entity: str = "PipelineStage"


@dataclass(frozen=True)
class PipelineTotals:
    """`pipeline`: per stage (by position), the live deals' count and one sum per currency (by currency)."""

    entity: str = "PipelineStage"


Root = Listing | Lookup | Stages | PipelineTotals

ROOTS: dict[str, Root] = {
    "customers": Listing("Customer", customers_base, CUSTOMER_CRITERIA, CUSTOMER_ORDERS, CustomerFilterInput),
    "contacts": Listing("Contact", contacts_base, CONTACT_CRITERIA, CONTACT_ORDERS, ContactFilterInput),
    "partners": Listing("Partner", partners_base, PARTNER_CRITERIA, PARTNER_ORDERS, PartnerFilterInput),
    "deals": Listing("Deal", deals_base, DEAL_CRITERIA, DEAL_ORDERS, DealFilterInput),
    "customer": Lookup("Customer"),
    "contact": Lookup("Contact"),
    "partner": Lookup("Partner"),
    "deal": Lookup("Deal"),
    "pipelineStages": Stages(),
    "pipeline": PipelineTotals(),
}


def _check() -> None:
    """Every column named here exists (a renamed column fails at import, not in a response)."""
    for name, entity in ENTITIES.items():
        columns = entity.model.__table__.c
        for key, f in entity.fields.items():
            named = [f.column] if isinstance(f, Scalar | Reference) else []
            if isinstance(f, Composite):
                named = [s.column for s in f.fields.values()]
            if isinstance(f, Children):
                target = ENTITIES[f.target].model.__table__.c
                missing = [c for c in (f.column, *(c for c, _ in f.order)) if c not in target]
                assert not missing, f"{name}.{key}: {missing}"
            assert all(c in columns for c in named), f"{name}.{key}"


_check()

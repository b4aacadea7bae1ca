"""Customers (accounts) and contacts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, Text, Uuid, event, func, literal_column, text
from sqlalchemy.orm import Mapped, column_property, mapped_column

from tenants.base import APP_SCHEMA, Base, TenantScoped, Timestamps, Versioned, reach_column, sql_list
from tenants.matching.keys import company_keys

LIFECYCLE_STAGES = ("lead", "prospect", "customer", "churned")
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+")


class Customer(TenantScoped, Timestamps, Versioned, Base):
    __tablename__ = "customers"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["app.users.tenant_id", "app.users.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        CheckConstraint(f"lifecycle_stage in {sql_list(LIFECYCLE_STAGES)}", name="lifecycle_stage"),
        Index("ix_customers_tenant_id_partner_id", "tenant_id", "partner_id"),
        Index("ix_customers_tenant_id_owner_id", "tenant_id", "owner_id"),
        Index("ix_customers_tenant_id_domain", "tenant_id", "domain"),
        Index("ix_customers_tenant_id_domain_key", "tenant_id", "domain_key"),
        Index("ix_customers_tenant_id_name_key", "tenant_id", "name_key"),
        Index(
            "ix_customers_name_key_trgm",
            "tenant_id",
            "name_key",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        ),
        Index("ix_customers_tenant_id_created_at_id", "tenant_id", "created_at", "id"),
        {"schema": APP_SCHEMA},
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)
    domain: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(Text)
    size: Mapped[str | None] = mapped_column(Text)
    lifecycle_stage: Mapped[str] = mapped_column(Text, nullable=False, server_default="prospect")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Matching keys (`tenants.matching.keys`), set from name and domain on every ORM write (below) and by the
    # bulk import, which writes without the ORM.
    domain_key: Mapped[str | None] = mapped_column(Text)
    name_key: Mapped[str | None] = mapped_column(Text)
    partner_ids: Mapped[list[uuid.UUID]] = reach_column()


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _keep_keys(_mapper: Any, _connection: Any, customer: Customer) -> None:
    for column, value in company_keys(customer.name, customer.domain).items():
        if getattr(customer, column) != value:
            setattr(customer, column, value)


class Contact(TenantScoped, Timestamps, Versioned, Base):
    """A person at exactly one customer or one partner."""

    __tablename__ = "contacts"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["app.customers.tenant_id", "app.customers.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["app.partners.tenant_id", "app.partners.id"]),
        CheckConstraint("(customer_id is null) <> (partner_id is null)", name="one_organisation"),
        Index(
            "uq_contacts_tenant_id_customer_id_lower_email",
            "tenant_id",
            "customer_id",
            text("lower(email)"),
            unique=True,
            postgresql_where=text("customer_id is not null and archived_at is null"),
        ),
        Index("ix_contacts_tenant_id_customer_id", "tenant_id", "customer_id"),
        Index("ix_contacts_tenant_id_partner_id", "tenant_id", "partner_id"),
        {"schema": APP_SCHEMA},
    )

    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    first_name: Mapped[str] = mapped_column(Text, nullable=False)
    last_name: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)

    # "First Last" without the outer spaces; computed in SQL, so both read paths show the same name.
    name: Mapped[str] = column_property(
        func.btrim(first_name.concat(literal_column("' '")).concat(last_name)), deferred=True
    )
    partner_ids: Mapped[list[uuid.UUID]] = reach_column()

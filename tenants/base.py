"""Declarative base and the column shapes every tenant table shares (docs/architecture.md, rule 4)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import ARRAY, ColumnElement, DateTime, ForeignKey, MetaData, Table, Uuid, func, literal_column, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}

APP_SCHEMA = "app"
PLATFORM_SCHEMA = "platform"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Server-side defaults and onupdate values come back with RETURNING: no hidden reloads later.
    __mapper_args__ = {"eager_defaults": True}

    if TYPE_CHECKING:
        # DeclarativeBase says FromClause; every model here maps one Table (`insert(Model.__table__)`).
        __table__: ClassVar[Table]


def sql_list(values: tuple[str, ...]) -> str:
    """`('a', 'b')`: a tuple of known constants as SQL, for check constraints."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def current_tenant() -> ColumnElement[uuid.UUID]:
    """The transaction's tenant (`app.tenant_id`; none set: null), for queries' own tenant conditions."""
    return literal_column("(select nullif(current_setting('app.tenant_id', true), '')::uuid)", Uuid)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


DERIVED = {"derived": True}  # a column's `info`: kept by the write path, not business data (never audited)
SECRET = {"secret": True}  # a column's `info`: a credential; replaced by a marker in every audit entry


def reach_column() -> Mapped[list[uuid.UUID]]:
    """`partner_ids`: the partners whose scope reaches the row through other rows (a customer with a deal of
    theirs), for the row policies; kept by `tenants.reach`."""
    return mapped_column(ARRAY(Uuid), nullable=False, server_default=text("'{}'"), default=list, info=DERIVED)


def utcnow_column() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class TenantScoped:
    """Mixin for every table in `app`: composite primary key `(tenant_id, id)`."""

    __table_args__: tuple[Any, ...] = ({"schema": APP_SCHEMA},)

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(
            Uuid,
            ForeignKey(f"{PLATFORM_SCHEMA}.tenants.id"),
            primary_key=True,
            sort_order=-2,
            server_default=text("(nullif(current_setting('app.tenant_id', true), ''))::uuid"),
        )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id, sort_order=-1)


class Timestamps:
    created_at: Mapped[dt.datetime] = utcnow_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class Versioned:
    """Optimistic concurrency: updates carry the version the client read."""

    version: Mapped[int] = mapped_column(nullable=False, server_default=text("1"), default=1)
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

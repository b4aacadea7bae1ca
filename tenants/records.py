"""The shared life of a versioned business record: load, update with optimistic concurrency, archive.

Every change writes an audit entry with the state before and after, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped

from authz.principal import Principal
from tenants.audit.log import record, snapshot
from tenants.errors import Conflict, Forbidden, NotFound


class Record(Protocol):
    """A model these functions handle: an `id` column, as every tenant table has (`tenants.base.TenantScoped`)."""

    id: ClassVar[Mapped[uuid.UUID]]  # ClassVar: a protocol then reads it as the mapped attribute it is


class VersionedRecord(Record, Protocol):
    """A record with optimistic concurrency and archiving (`tenants.base.Versioned`)."""

    @property
    def version(self) -> int: ...
    @version.setter
    def version(self, value: int) -> None: ...
    @property
    def archived_at(self) -> dt.datetime | None: ...


Row = TypeVar("Row", bound=Record)
VersionedRow = TypeVar("VersionedRow", bound=VersionedRecord)


async def load(session: AsyncSession, model: type[Row], id_: uuid.UUID, *, label: str) -> Row:
    """A row the caller may see; anything else (absent, another tenant's, out of scope) is NOT_FOUND."""
    row = (await session.execute(select(model).where(model.id == id_))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no such {label}")
    return row


async def lock_for_change(
    session: AsyncSession, model: type[VersionedRow], id_: uuid.UUID, version: int | None, *, label: str
) -> VersionedRow:
    """Lock the row for this transaction and check the version the client read.

    A row the caller can read but not change (a sales rep and another rep's deal) is FORBIDDEN; the
    row policies decide that, since `FOR UPDATE` sees only rows the update policies allow.
    """
    visible = await load(session, model, id_, label=label)
    locked = (
        await session.execute(
            select(model).where(model.id == id_).with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if locked is None:
        raise Forbidden(f"you may not change this {label}")
    if version is not None and locked.version != version:
        raise Conflict(
            f"this {label} changed since you read it (version {version}, now {locked.version}); reload and retry",
            field="version",
        )
    assert locked is visible
    return locked


async def change(
    session: AsyncSession,
    principal: Principal,
    row: VersionedRow,
    changes: Mapping[str, Any],
    *,
    action: str,
) -> VersionedRow:
    """Apply `changes` to a locked row, bump its version, and audit before/after."""
    before = snapshot(row)
    for name, value in changes.items():
        setattr(row, name, value)
    row.version = row.version + 1
    await session.flush()
    await record(session, principal, action, type(row).__name__, row.id, before=before, after=snapshot(row))
    return row


async def create(session: AsyncSession, principal: Principal, row: Row, *, action: str) -> Row:
    session.add(row)
    await session.flush()
    await record(session, principal, action, type(row).__name__, row.id, after=snapshot(row))
    return row


async def archive(
    session: AsyncSession,
    principal: Principal,
    model: type[VersionedRow],
    id_: uuid.UUID,
    version: int | None,
    *,
    label: str,
) -> VersionedRow:
    row = await lock_for_change(session, model, id_, version, label=label)
    if row.archived_at is not None:
        return row
    return await change(session, principal, row, {"archived_at": dt.datetime.now(dt.UTC)}, action=f"{label}.archive")

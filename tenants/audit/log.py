"""Writing audit entries: who, what, when, before and after, in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants.audit.models import AuditEntry

REDACTED = "[secret]"  # what an audit entry shows of a column declared secret (`tenants.base.SECRET`)


def snapshot(row: Any) -> dict[str, Any]:
    """A JSON-safe picture of a mapped row's table columns (not its SQL expressions nor the columns the write
    path derives); a column declared secret shows only a marker, so no credential is readable twice."""
    return {key: REDACTED if secret else _json(getattr(row, key)) for key, secret in _audited(type(row))}


def snapshot_of(model: type[Any], values: Mapping[Any, Any]) -> dict[str, Any]:
    """The same picture of a row given as a mapping of its columns (a bulk write's RETURNING row)."""
    return {key: REDACTED if secret else _json(values[key]) for key, secret in _audited(model)}


_AUDITED: dict[type[Any], tuple[tuple[str, bool], ...]] = {}


def _audited(model: type[Any]) -> tuple[tuple[str, bool], ...]:
    """(attribute, is secret) of the columns an audit entry shows, for a mapped class (worked out once)."""
    if model in _AUDITED:
        return _AUDITED[model]
    mapper = inspect(model)
    found = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if getattr(column, "table", None) is not mapper.local_table or column.info.get("derived"):
            continue
        if attr.key == "tenant_id":
            continue
        found.append((attr.key, bool(column.info.get("secret"))))
    _AUDITED[model] = tuple(found)
    return _AUDITED[model]


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID | dt.date | dt.datetime):
        return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


async def record_all(
    session: AsyncSession,
    principal: Principal,
    entries: Iterable[tuple[str, str, uuid.UUID, dict[str, Any] | None, dict[str, Any] | None]],
) -> None:
    """Many entries in one statement, (action, entity type, entity id, before, after) each: a bulk write's
    audit, as `record` writes one."""
    rows = [
        {
            "tenant_id": principal.tenant_id,
            "actor_id": principal.user_id,
            "actor_audience": str(principal.audience),
            "api_key_id": principal.api_key_id,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "before": before,
            "after": after,
        }
        for action, entity_type, entity_id, before, after in entries
    ]
    if rows:
        await session.execute(insert(AuditEntry), rows)


async def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    tenant_id: uuid.UUID | None = None,
) -> None:
    session.add(
        AuditEntry(
            tenant_id=tenant_id or principal.tenant_id,
            actor_id=principal.user_id,
            actor_audience=str(principal.audience),
            api_key_id=principal.api_key_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )

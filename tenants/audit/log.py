"""Writing audit entries: who, what, when, before and after, in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Insert, Uuid, bindparam, func, insert, inspect, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants import sql_forms
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


def snapshot_sql(model: Any, row: Any) -> ColumnElement[Any]:
    """`snapshot` spelled in SQL over `row` (a selectable with the model's columns, such as an INSERT's
    RETURNING in a CTE): the same keys and the same text forms, for a write that builds its audit entry in the
    statement that makes the change."""
    mapper = inspect(model)
    parts: list[Any] = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if getattr(column, "table", None) is not mapper.local_table or column.info.get("derived"):
            continue
        if attr.key == "tenant_id":
            continue
        value = row.c[column.name]
        if column.info.get("secret"):
            value = sql_forms.constant(REDACTED)
        else:
            kind = _python_type(column)
            if kind in (uuid.UUID, decimal.Decimal, dt.datetime, dt.date):
                value = sql_forms.text_of(value, kind)
            elif kind in (list, tuple):
                value = func.to_jsonb(value)
        parts.extend((sql_forms.constant(attr.key), value))
    return func.jsonb_build_object(*parts)


def record_from(action: str, entity_type: str, model: Any, after: Any, before: Any = None) -> Insert:
    """`record` as an INSERT ... SELECT over a statement's rows (`after`, and `before` when the change had a
    state before: a CTE of the locked row, joined), for the lean write path. The entry's id and actor are the
    parameters `audit_id`, `actor_id`, `audience` and `api_key_id`."""
    table = AuditEntry.__table__
    source = select(
        after.c.tenant_id,
        bindparam("audit_id", type_=Uuid()),
        bindparam("actor_id", type_=Uuid()),
        bindparam("audience", type_=table.c.actor_audience.type),
        bindparam("api_key_id", type_=table.c.api_key_id.type),
        sql_forms.constant(action),
        sql_forms.constant(entity_type),
        after.c.id,
        null() if before is None else snapshot_sql(model, before),
        snapshot_sql(model, after),
    )
    if before is not None:
        source = source.where(before.c.id == after.c.id)
    columns = ["tenant_id", "id", "actor_id", "actor_audience", "api_key_id", "action", "entity_type", "entity_id"]
    return insert(table).from_select([*columns, "before", "after"], source, include_defaults=False)


def _python_type(column: Any) -> type | None:
    try:
        kind: type = column.type.python_type
        return kind
    except NotImplementedError:
        return None


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

"""Reading the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, select

from tenants.audit.models import AuditEntry
from tenants.pagination import SortKey

ORDER = [SortKey(AuditEntry.at, descending=True, kind=dt.datetime), SortKey(AuditEntry.id, kind=uuid.UUID)]


@dataclass(frozen=True)
class AuditFilter:
    entity_type: str | None = None
    entity_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    action: str | None = None
    since: dt.datetime | None = None


def audit_query(f: AuditFilter) -> Select:
    stmt = select(AuditEntry)
    for value, condition in (
        (f.entity_type, lambda v: AuditEntry.entity_type == v),
        (f.entity_id, lambda v: AuditEntry.entity_id == v),
        (f.actor_id, lambda v: AuditEntry.actor_id == v),
        (f.action, lambda v: AuditEntry.action == v),
        (f.since, lambda v: AuditEntry.at >= v),
    ):
        if value is not None:
            stmt = stmt.where(condition(value))
    return stmt

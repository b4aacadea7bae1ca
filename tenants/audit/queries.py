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
    for wanted, condition in (
        (f.entity_type, AuditEntry.entity_type == f.entity_type),
        (f.entity_id, AuditEntry.entity_id == f.entity_id),
        (f.actor_id, AuditEntry.actor_id == f.actor_id),
        (f.action, AuditEntry.action == f.action),
        (f.since, AuditEntry.at >= f.since),
    ):
        if wanted:
            stmt = stmt.where(condition)
    return stmt

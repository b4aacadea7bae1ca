"""Audit entries as vendor admins read them."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from schema.relay import Node, to_global_id
from tenants.audit.models import AuditEntry as AuditRow


@strawberry.type
class AuditEntry(Node):
    action: str
    entity_type: str
    entity_id: strawberry.ID | None
    actor_id: strawberry.ID | None
    actor_audience: str
    api_key_id: str | None
    before: JSON | None
    after: JSON | None
    at: dt.datetime

    @classmethod
    def of(cls, row: AuditRow) -> AuditEntry:
        return cls(
            id=to_global_id("AuditEntry", row.id),
            action=row.action,
            entity_type=row.entity_type,
            entity_id=to_global_id(row.entity_type, row.entity_id) if row.entity_id else None,
            actor_id=to_global_id("User", row.actor_id) if row.actor_id else None,
            actor_audience=row.actor_audience,
            api_key_id=row.api_key_id,
            before=row.before,
            after=row.after,
            at=row.at,
        )

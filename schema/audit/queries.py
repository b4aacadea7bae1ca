"""The audit log query (vendor admins)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from authz import actions
from schema.audit.types import AuditEntry
from schema.permissions import requires
from schema.relay import Connection, connection, from_global_id, optional_id
from tenants.audit.queries import ORDER, AuditFilter, audit_query


@strawberry.input
class AuditFilterInput:
    entity_id: strawberry.ID | None = strawberry.field(default=None, description="Any object's global id.")
    entity_type: str | None = None
    actor_id: strawberry.ID | None = None
    action: str | None = None
    since: dt.datetime | None = None

    def to_filter(self) -> AuditFilter:
        entity_type, entity_id = (None, None)
        if self.entity_id:
            entity_type, entity_id = from_global_id(self.entity_id)
        return AuditFilter(
            entity_type=self.entity_type or entity_type,
            entity_id=entity_id,
            actor_id=optional_id(self.actor_id, "User"),
            action=self.action,
            since=self.since,
        )


@strawberry.type
class AuditQuery:
    @strawberry.field(permission_classes=[requires(actions.AUDIT_LOG_READ)], description="Who changed what, when.")
    async def audit_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: AuditFilterInput | None = None,
    ) -> Connection[AuditEntry]:
        query = audit_query((filter or AuditFilterInput()).to_filter())
        return await connection(info, query, ORDER, AuditEntry.of, first=first, after=after, last=last, before=before)

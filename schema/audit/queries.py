"""The audit log query (vendor admins)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from authz import actions
from schema.audit.types import AuditEntry
from schema.graph.ids import from_global_id, optional_id
from schema.graph.listings import page
from schema.permissions import requires
from schema.relay import Connection
from tenants.audit.queries import AUDIT
from tenants.pagination import PageRequest


@strawberry.input
class AuditFilterInput:
    entity_id: strawberry.ID | None = strawberry.field(default=None, description="Any object's global id.")
    entity_type: str | None = None
    actor_id: strawberry.ID | None = None
    action: str | None = None
    since: dt.datetime | None = None

    def values(self) -> dict:
        """As the audit listing's criteria; an entity id of any type also names its type."""
        entity_type, entity_id = (None, None)
        if self.entity_id:
            entity_type, entity_id = from_global_id(self.entity_id)
        return {
            "entity_type": self.entity_type or entity_type,
            "entity_id": entity_id,
            "actor_id": optional_id(self.actor_id, "User"),
            "action": self.action,
            "since": self.since,
        }


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
        values = (filter or AuditFilterInput()).values()
        request = PageRequest(first, after, last, before)
        return await page(info, AUDIT.select(values), AUDIT.orders["AT"], AuditEntry.of, request)

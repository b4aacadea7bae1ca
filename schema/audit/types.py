"""Audit entries as vendor admins read them."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from authz import actions
from schema.graph.entities import entity
from schema.graph.fields import column, computed, foreign_id
from schema.graph.ids import to_global_id
from schema.graph.readers import VENDOR
from schema.relay import Node
from tenants.audit.models import AuditEntry as AuditRow


@entity(AuditRow, readers=VENDOR, action=actions.AUDIT_LOG_READ)
class AuditEntry(Node):
    action: str = column(VENDOR)
    entity_type: str = column(VENDOR)

    @computed(VENDOR, description="The changed object's global id.")
    def entity_id(self) -> strawberry.ID | None:
        row = self._row
        return to_global_id(row.entity_type, row.entity_id) if row.entity_id else None

    actor_id: strawberry.ID | None = foreign_id("actor_id", "User", VENDOR)
    actor_audience: str = column(VENDOR)
    api_key_id: str | None = column(VENDOR)
    before: JSON | None = column(VENDOR)
    after: JSON | None = column(VENDOR)
    at: dt.datetime = column(VENDOR)

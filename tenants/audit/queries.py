"""Reading the audit log."""

from __future__ import annotations

import datetime as dt
import uuid

from tenants.audit.models import AuditEntry
from tenants.filters import Criterion, Listing
from tenants.pagination import SortKey

ORDER = [SortKey(AuditEntry.at, descending=True, kind=dt.datetime), SortKey(AuditEntry.id, kind=uuid.UUID)]

AUDIT = Listing(
    AuditEntry,
    {
        "entity_type": Criterion(lambda v: AuditEntry.entity_type == v),
        "entity_id": Criterion(lambda v: AuditEntry.entity_id == v),
        "actor_id": Criterion(lambda v: AuditEntry.actor_id == v),
        "action": Criterion(lambda v: AuditEntry.action == v),
        "since": Criterion(lambda v: AuditEntry.at >= v),
    },
    {"AT": ORDER},
)

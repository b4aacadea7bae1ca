"""Field masks: the action needed to read a field, by GraphQL (type, field).

A field listed here is masked for a caller without its action: the whole operation is refused at
validation with FORBIDDEN naming the field (DESIGN.md), on every execution path. Fields not listed are
readable by whoever may read the object. Every entry must name a real field of the schema (a schema
test checks this), so a renamed field cannot silently drop its mask.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from authz import actions as a
from authz.actions import Action

# What the customer audience sees of a deal; every other Deal field needs deal:read_detail or more.
DEAL_REDUCED_FIELDS = frozenset({"id", "title", "stage", "amount", "expectedCloseDate", "status", "customer"})

DEAL_DETAIL_FIELDS = (
    "partner",
    "source",
    "probability",
    "stageHistory",
    "activities",
    "closeReason",
    "closedAt",
    "version",
    "createdAt",
    "updatedAt",
    "archivedAt",
)

FIELD_ACTIONS: dict[tuple[str, str], Action] = {
    ("Deal", "internalNotes"): a.DEAL_READ_INTERNAL,
    ("Deal", "owner"): a.DEAL_READ_OWNER,
    **{("Deal", name): a.DEAL_READ_DETAIL for name in DEAL_DETAIL_FIELDS},
    ("Deal", "customer"): a.CUSTOMER_READ,
    ("DealStageChangeEntry", "changedBy"): a.USER_READ,
    ("Customer", "owner"): a.CUSTOMER_READ_OWNER,
    ("Customer", "activities"): a.ACTIVITY_READ,
    ("Customer", "deals"): a.DEAL_READ,
    ("Customer", "contacts"): a.CONTACT_READ,
    ("Customer", "partner"): a.PARTNER_READ,
    ("Contact", "customer"): a.CUSTOMER_READ,
    ("Contact", "partner"): a.PARTNER_READ,
    ("Partner", "users"): a.USER_READ,
    ("Partner", "activities"): a.ACTIVITY_READ,
    ("Partner", "customers"): a.CUSTOMER_READ,
    ("Partner", "deals"): a.DEAL_READ,
    ("Partner", "contacts"): a.CONTACT_READ,
    ("Activity", "author"): a.USER_READ,
    ("Activity", "customer"): a.CUSTOMER_READ,
    ("Activity", "deal"): a.DEAL_READ,
    ("Activity", "partner"): a.PARTNER_READ,
    ("User", "partner"): a.PARTNER_READ,
    ("Lead", "customer"): a.CUSTOMER_READ,
    ("Lead", "deal"): a.DEAL_READ,
    ("Lead", "partner"): a.PARTNER_READ,
}


class _Decides(Protocol):
    def allows(self, action: Action) -> bool: ...


def masked_fields(decisions: _Decides | Callable[[Action], bool]) -> frozenset[tuple[str, str]]:
    """The (type, field) pairs the caller may not read.

    `decisions` is the request's `Decisions` (or, equally, its bound `allows`).
    """
    allows = decisions if callable(decisions) else decisions.allows
    return frozenset(field for field, action in FIELD_ACTIONS.items() if not allows(action))

"""Field masks: the action needed to read a field, by GraphQL (type, field).

A field listed here is masked for a caller without its action: the whole operation is refused at
validation with FORBIDDEN naming the field (DESIGN.md), on every execution path. Fields not listed are
readable by whoever may read the object.
"""

from __future__ import annotations

from authz import actions as a
from authz.actions import Action

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
    "partners",
)

FIELD_ACTIONS: dict[tuple[str, str], Action] = {
    ("Deal", "internalNotes"): a.DEAL_READ_INTERNAL,
    ("Deal", "owner"): a.DEAL_READ_OWNER,
    **{("Deal", name): a.DEAL_READ_DETAIL for name in DEAL_DETAIL_FIELDS},
    ("Customer", "owner"): a.CUSTOMER_READ_OWNER,
    ("Customer", "activities"): a.ACTIVITY_READ,
    ("Customer", "deals"): a.DEAL_READ,
    ("Customer", "contacts"): a.CONTACT_READ,
    ("Customer", "partner"): a.PARTNER_READ,
    ("Partner", "users"): a.USER_READ,
    ("Partner", "activities"): a.ACTIVITY_READ,
    ("Partner", "customers"): a.CUSTOMER_READ,
    ("Partner", "deals"): a.DEAL_READ,
    ("Partner", "contacts"): a.CONTACT_READ,
    ("Deal", "customer"): a.CUSTOMER_READ,
    ("Activity", "author"): a.USER_READ,
}


def masked_fields(allows) -> frozenset[tuple[str, str]]:
    """The (type, field) pairs a caller may not read; `allows` is `Decisions.allows`."""
    return frozenset(field for field, action in FIELD_ACTIONS.items() if not allows(action))

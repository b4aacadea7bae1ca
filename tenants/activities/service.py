"""Timeline entries: add, list, edit, complete and delete.

Whoever may add activities may change them; a partner only the ones its own users or keys wrote (the row
policies of activities since migration 0015, which `records.lock_for_change` meets as FORBIDDEN). Deleting
archives: the entry leaves every list and timeline and stays in the audit log, like every business record.
Completing a completed activity is a CONFLICT (it says when it was completed), not a silent no-op: a client
that retries after a lost answer reloads and sees it done; a deleted activity cannot be edited or completed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants import records
from tenants.activities.models import ACTIVITY_KINDS, Activity
from tenants.customers.models import Customer
from tenants.deals.models import Deal
from tenants.errors import BadInput, Conflict
from tenants.filters import Criterion, Listing
from tenants.pagination import SortKey
from tenants.partners.models import Partner

ORDERS = {
    "OCCURRED_AT": [
        SortKey(Activity.occurred_at, descending=True, kind=dt.datetime),
        SortKey(Activity.id, kind=uuid.UUID),
    ],
}


ACTIVITIES = Listing(
    Activity,
    {
        "kind": Criterion(lambda v: Activity.kind == v),
        "customer_id": Criterion(lambda v: Activity.customer_id == v),
        "deal_id": Criterion(lambda v: Activity.deal_id == v),
        "partner_id": Criterion(lambda v: Activity.partner_id == v),
        "author_id": Criterion(lambda v: Activity.author_id == v),
    },
    ORDERS,
)


async def add_activity(session: AsyncSession, principal: Principal, fields: dict[str, Any]) -> Activity:
    if fields.get("kind") not in ACTIVITY_KINDS:
        raise BadInput(f"kind must be one of {', '.join(ACTIVITY_KINDS)}", field="kind")
    if not (fields.get("subject") or "").strip():
        raise BadInput("subject must not be empty", field="subject")
    subjects: dict[str, tuple[type[records.Record], str]] = {
        "customer_id": (Customer, "customer"),
        "deal_id": (Deal, "deal"),
        "partner_id": (Partner, "partner"),
    }
    named = [key for key in subjects if fields.get(key)]
    if not named:
        raise BadInput("an activity is on a customer, a deal or a partner", field="customerId")
    for key in named:
        model, label = subjects[key]
        await records.load(session, model, fields[key], label=label)
    if fields.get("deal_id") and not fields.get("customer_id"):
        deal = await records.load(session, Deal, fields["deal_id"], label="deal")
        fields["customer_id"] = deal.customer_id
    activity = Activity(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        author_id=principal.user_id,
        author_partner_id=principal.partner_id,
        **fields,
    )
    return await records.create(session, principal, activity, action="activity.create")


EDITABLE = ("kind", "subject", "body", "occurred_at", "due_at")
REQUIRED = ("kind", "subject", "occurred_at")


async def _live(session: AsyncSession, activity_id: uuid.UUID, version: int | None) -> Activity:
    activity = await records.lock_for_change(session, Activity, activity_id, version, label="activity")
    if activity.archived_at is not None:
        raise Conflict("this activity was deleted", field="id")
    return activity


async def update_activity(
    session: AsyncSession, principal: Principal, activity_id: uuid.UUID, version: int, changes: dict[str, Any]
) -> Activity:
    """Edit what an activity says and when; what it is on (customer, deal, partner) and its author stay."""
    if changes.keys() - set(EDITABLE):
        raise BadInput(f"unknown fields: {', '.join(sorted(changes.keys() - set(EDITABLE)))}", field="input")
    for name in REQUIRED:
        if name in changes and changes[name] is None:
            raise BadInput(f"{name.replace('_', ' ')} cannot be cleared", field=name)
    if "kind" in changes and changes["kind"] not in ACTIVITY_KINDS:
        raise BadInput(f"kind must be one of {', '.join(ACTIVITY_KINDS)}", field="kind")
    if "subject" in changes and not changes["subject"].strip():
        raise BadInput("subject must not be empty", field="subject")
    activity = await _live(session, activity_id, version)
    return await records.change(session, principal, activity, changes, action="activity.update")


async def complete_activity(
    session: AsyncSession, principal: Principal, activity_id: uuid.UUID, version: int
) -> Activity:
    activity = await _live(session, activity_id, version)
    if activity.completed_at is not None:
        raise Conflict(f"this activity was completed at {activity.completed_at.isoformat()}", field="id")
    changes = {"completed_at": dt.datetime.now(dt.UTC)}
    return await records.change(session, principal, activity, changes, action="activity.complete")


async def delete_activity(session: AsyncSession, principal: Principal, activity_id: uuid.UUID) -> Activity:
    """Archive the activity (deleting one already deleted changes nothing)."""
    activity = await records.lock_for_change(session, Activity, activity_id, None, label="activity")
    if activity.archived_at is not None:
        return activity
    changes = {"archived_at": dt.datetime.now(dt.UTC)}
    return await records.change(session, principal, activity, changes, action="activity.delete")

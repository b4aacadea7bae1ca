"""Timeline entries: add and list."""

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
from tenants.errors import BadInput
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
    activity = Activity(id=uuid.uuid4(), tenant_id=principal.tenant_id, author_id=principal.user_id, **fields)
    return await records.create(session, principal, activity, action="activity.create")

"""Lead, its contact, its offers (assignments) and the tier rules as the graph shows them.

`Lead.contact` is null for a partner until it accepts the lead: the contact lives in its own table, whose
row policy lets a partner read it only through an accepted assignment. Null means "not yours to see (yet)".
"""

from __future__ import annotations

import datetime as dt

from strawberry.types import Info

from authz import actions
from schema.customers.types import Customer
from schema.deals.types import Deal
from schema.graph.entities import entity, enum
from schema.graph.fields import Children, children, column, computed, reference
from schema.graph.loaders import child_rows
from schema.graph.readers import CHANNEL, VENDOR
from schema.partners.types import Partner
from schema.relay import Node
from tenants.leads.models import ASSIGNMENT_STATUSES, LEAD_STATUSES, METHODS
from tenants.leads.models import Lead as LeadRow
from tenants.leads.models import LeadAssignment as AssignmentRow
from tenants.leads.models import LeadContact as ContactRow
from tenants.leads.models import LeadTierRule as RuleRow
from tenants.leads.service import ASSIGNMENT_ORDER
from tenants.pagination import SortKey

LeadStatus = enum("LeadStatus", LEAD_STATUSES)
_CONTACT = Children(CHANNEL, column="lead_id", order=(SortKey(ContactRow.id),))  # a lead's one contact
LeadAssignmentStatus = enum("LeadAssignmentStatus", ASSIGNMENT_STATUSES)
LeadAssignmentMethod = enum("LeadAssignmentMethod", METHODS)


@entity(ContactRow, readers=CHANNEL, action=None, node=False)
class LeadContact:
    first_name: str = column(CHANNEL)
    last_name: str = column(CHANNEL)
    email: str | None = column(CHANNEL)
    phone: str | None = column(CHANNEL)
    title: str | None = column(CHANNEL)


@entity(AssignmentRow, readers=CHANNEL, action=None, node=False)
class LeadAssignment:
    status: LeadAssignmentStatus = column(CHANNEL)
    method: LeadAssignmentMethod = column(CHANNEL)
    assigned_at: dt.datetime = column(CHANNEL)
    accept_by: dt.datetime = column(CHANNEL)
    responded_at: dt.datetime | None = column(CHANNEL)
    decline_reason: str | None = column(CHANNEL)
    partner: Partner | None = reference("partner_id", CHANNEL)


@entity(RuleRow, readers=VENDOR, action=None, node=False)
class LeadTierRule:
    tier: str = column(VENDOR)
    weight: int = column(VENDOR, description="Share of leads relative to other tiers (default 1).")
    capacity: int = column(VENDOR, description="Open leads a partner of this tier may hold (default 10).")


@entity(LeadRow, readers=CHANNEL, action=actions.LEAD_READ)
class Lead(Node):
    company_name: str = column(CHANNEL)
    company_domain: str | None = column(CHANNEL)
    territory: str | None = column(CHANNEL)
    need: str | None = column(CHANNEL)
    source: str = column(CHANNEL)
    status: LeadStatus = column(CHANNEL)
    version: int = column(CHANNEL)
    created_at: dt.datetime = column(CHANNEL)
    updated_at: dt.datetime = column(CHANNEL)
    archived_at: dt.datetime | None = column(CHANNEL)

    @computed(CHANNEL, description="The person behind the lead; null for a partner until it accepts the lead.")
    async def contact(self, info: Info) -> LeadContact | None:
        found = await child_rows(info.context, _CONTACT, ContactRow, self._row.id, 1)
        return LeadContact.of(found[0]) if found else None

    assignments: list[LeadAssignment] = children(
        "lead_id",
        ASSIGNMENT_ORDER,
        CHANNEL,
        first=100,
        description="Offers of this lead, newest first (a partner sees only its own).",
    )

    @computed(CHANNEL, description="When the open offer must be answered by; null when none is open.")
    async def accept_by(self, info: Info) -> dt.datetime | None:
        spec = type(self).__graph__.fields["assignments"]
        rows = await child_rows(info.context, spec, AssignmentRow, self._row.id, 100)
        offered = [row for row in rows if row.status == "offered"]
        return offered[0].accept_by if offered else None

    partner: Partner | None = reference(
        "partner_id", CHANNEL, description="The partner holding the offer or the converted lead."
    )
    customer: Customer | None = reference("customer_id", CHANNEL, description="The customer the lead converted into.")
    deal: Deal | None = reference("deal_id", CHANNEL, description="The partner-sourced deal the lead converted into.")

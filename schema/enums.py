"""Enumerations shared by several domains' types and inputs, each made from its model's value tuple (the
values the database's check constraints allow), so the two never drift apart."""

from __future__ import annotations

import enum

from schema.graph.entities import enum as graph_enum
from tenants.activities.models import ACTIVITY_KINDS
from tenants.customers.models import LIFECYCLE_STAGES
from tenants.deals.models import DEAL_SOURCES, DEAL_STATUSES, STAGE_KINDS
from tenants.identity.models import AUDIENCES
from tenants.partners.models import PARTNER_KINDS, PARTNER_STATUSES

PartnerKind = graph_enum("PartnerKind", PARTNER_KINDS)
PartnerStatus = graph_enum("PartnerStatus", PARTNER_STATUSES)
LifecycleStage = graph_enum("LifecycleStage", LIFECYCLE_STAGES)
DealSource = graph_enum("DealSource", DEAL_SOURCES)
DealStatus = graph_enum("DealStatus", DEAL_STATUSES)
StageKind = graph_enum("StageKind", STAGE_KINDS)
ActivityKind = graph_enum("ActivityKind", ACTIVITY_KINDS)
MemberAudience = graph_enum("MemberAudience", AUDIENCES)


def value(member: enum.Enum | None) -> str | None:
    return None if member is None else member.value

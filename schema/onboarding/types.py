"""Partner applications, the partner agreement and its acceptances as the graph shows them."""

from __future__ import annotations

import datetime as dt

from authz import actions
from schema.enums import PartnerKind
from schema.graph.entities import entity, enum
from schema.graph.fields import column, reference
from schema.graph.readers import CHANNEL, VENDOR
from schema.identity.types import User
from schema.partners.types import Partner
from schema.relay import Node
from tenants.onboarding.models import APPLICATION_STATUSES, ORIGINS
from tenants.onboarding.models import AgreementAcceptance as AcceptanceRow
from tenants.onboarding.models import PartnerAgreement as AgreementRow
from tenants.onboarding.models import PartnerApplication as ApplicationRow

PartnerApplicationStatus = enum("PartnerApplicationStatus", APPLICATION_STATUSES)
PartnerApplicationOrigin = enum("PartnerApplicationOrigin", ORIGINS)


@entity(ApplicationRow, readers=VENDOR, action=actions.PARTNER_APPLICATION_READ)
class PartnerApplication(Node):
    company_name: str = column(VENDOR)
    domain: str | None = column(VENDOR)
    kind: PartnerKind = column(VENDOR)
    territory: str | None = column(VENDOR)
    contact_name: str = column(VENDOR)
    contact_email: str = column(VENDOR)
    contact_phone: str | None = column(VENDOR)
    message: str | None = column(VENDOR)
    origin: PartnerApplicationOrigin = column(VENDOR)
    status: PartnerApplicationStatus = column(VENDOR)
    rejection_reason: str | None = column(VENDOR)
    decided_at: dt.datetime | None = column(VENDOR)
    version: int = column(VENDOR)
    created_at: dt.datetime = column(VENDOR)
    partner: Partner | None = reference("partner_id", VENDOR, description="The partner an approval created.")


@entity(AgreementRow, readers=CHANNEL, action=None, node=False)
class PartnerAgreement:
    version: int = column(CHANNEL)
    title: str = column(CHANNEL)
    body: str = column(CHANNEL)
    created_at: dt.datetime = column(CHANNEL)


@entity(AcceptanceRow, readers=CHANNEL, action=None, node=False)
class AgreementAcceptance:
    version: int = column(CHANNEL, description="The version of the agreement accepted.")
    accepted_at: dt.datetime = column(CHANNEL)
    partner: Partner | None = reference("partner_id", CHANNEL)
    accepted_by: User | None = reference("user_id", CHANNEL, description="Who accepted, for the partner.")

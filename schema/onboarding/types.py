"""Partner applications, the partner agreement and its acceptances as the graph shows them."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum

import strawberry
from strawberry.types import Info

from schema.enums import PartnerKind
from schema.identity.types import User
from schema.loaders import load_one
from schema.partners.types import Partner
from schema.relay import Node, to_global_id
from tenants.identity.models import User as UserRow
from tenants.onboarding.models import AgreementAcceptance as AcceptanceRow
from tenants.onboarding.models import PartnerAgreement as AgreementRow
from tenants.onboarding.models import PartnerApplication as ApplicationRow
from tenants.partners.models import Partner as PartnerRow


@strawberry.enum
class PartnerApplicationStatus(enum.Enum):
    APPLIED = "applied"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"


@strawberry.enum
class PartnerApplicationOrigin(enum.Enum):
    TEAM = "team"
    PUBLIC = "public"


@strawberry.type
class PartnerApplication(Node):
    company_name: str
    domain: str | None
    kind: PartnerKind
    territory: str | None
    contact_name: str
    contact_email: str
    contact_phone: str | None
    message: str | None
    origin: PartnerApplicationOrigin
    status: PartnerApplicationStatus
    rejection_reason: str | None
    decided_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    _row: strawberry.Private[ApplicationRow]

    @classmethod
    def of(cls, row: ApplicationRow) -> PartnerApplication:
        return cls(
            id=to_global_id("PartnerApplication", row.id),
            company_name=row.company_name,
            domain=row.domain,
            kind=PartnerKind(row.kind),
            territory=row.territory,
            contact_name=row.contact_name,
            contact_email=row.contact_email,
            contact_phone=row.contact_phone,
            message=row.message,
            origin=PartnerApplicationOrigin(row.origin),
            status=PartnerApplicationStatus(row.status),
            rejection_reason=row.rejection_reason,
            decided_at=row.decided_at,
            version=row.version,
            created_at=row.created_at,
            _row=row,
        )

    @strawberry.field(description="The partner an approval created.")
    async def partner(self, info: Info) -> Partner | None:
        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)


@strawberry.type
class PartnerAgreement:
    version: int
    title: str
    body: str
    created_at: dt.datetime

    @classmethod
    def of(cls, row: AgreementRow) -> PartnerAgreement:
        return cls(version=row.version, title=row.title, body=row.body, created_at=row.created_at)


@strawberry.type
class AgreementAcceptance:
    version: int
    accepted_at: dt.datetime
    _row: strawberry.Private[AcceptanceRow]

    @strawberry.field
    async def partner(self, info: Info) -> Partner | None:
        row = await load_one(info.context, PartnerRow, self._row.partner_id)
        return None if row is None else Partner.of(row)

    @strawberry.field(description="Who accepted, for the partner.")
    async def accepted_by(self, info: Info) -> User | None:
        row = await load_one(info.context, UserRow, self._row.user_id)
        return None if row is None else User.of(row)


async def acceptances_of(info: Info, rows: list[AcceptanceRow]) -> list[AgreementAcceptance]:
    """The rows with their agreement's version, loaded in one batch."""
    found = await asyncio.gather(*(load_one(info.context, AgreementRow, row.agreement_id) for row in rows))
    return [
        AgreementAcceptance(version=agreement.version, accepted_at=row.accepted_at, _row=row)
        for row, agreement in zip(rows, found, strict=True)
    ]

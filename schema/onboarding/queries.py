"""Partner applications for the channel team; the current partner agreement and its acceptances."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.enums import value
from schema.onboarding.types import (
    AgreementAcceptance,
    PartnerAgreement,
    PartnerApplication,
    PartnerApplicationStatus,
    acceptances_of,
)
from schema.permissions import requires
from schema.relay import Connection, connection, lookup, optional_id
from tenants.onboarding import agreements
from tenants.onboarding.applications import ORDER, applications_query
from tenants.onboarding.models import PartnerApplication as ApplicationRow


@strawberry.type
class OnboardingQuery:
    @strawberry.field(permission_classes=[requires(actions.PARTNER_APPLICATION_READ)])
    async def partner_applications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: PartnerApplicationStatus | None = None,
    ) -> Connection[PartnerApplication]:
        query = applications_query(value(status))
        return await connection(
            info, query, ORDER, PartnerApplication.of, first=first, after=after, last=last, before=before
        )

    @strawberry.field(permission_classes=[requires(actions.PARTNER_APPLICATION_READ)])
    async def partner_application(self, info: Info, id: strawberry.ID) -> PartnerApplication:
        return await lookup(info, ApplicationRow, id, "PartnerApplication", PartnerApplication.of)

    @strawberry.field(
        permission_classes=[requires(actions.AGREEMENT_READ)], description="The current version; null if none yet."
    )
    async def partner_agreement(self, info: Info) -> PartnerAgreement | None:
        async with info.context.db.reading() as session:
            row = await agreements.current_agreement(session)
        return None if row is None else PartnerAgreement.of(row)

    @strawberry.field(
        permission_classes=[requires(actions.AGREEMENT_READ)],
        description="Who accepted which version, when (a partner sees its own).",
    )
    async def agreement_acceptances(
        self, info: Info, partner_id: strawberry.ID | None = None
    ) -> list[AgreementAcceptance]:
        async with info.context.db.reading() as session:
            rows = await agreements.acceptances(session, optional_id(partner_id, "Partner"))
        return await acceptances_of(info, rows)

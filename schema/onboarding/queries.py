"""Partner applications for the channel team; the current partner agreement and its acceptances."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.graph.ids import optional_id
from schema.graph.listings import connection, lookup
from schema.onboarding.types import AgreementAcceptance, PartnerAgreement, PartnerApplication, PartnerApplicationStatus
from schema.permissions import requires
from tenants.onboarding import agreements
from tenants.onboarding.applications import APPLICATIONS


@strawberry.type
class OnboardingQuery:
    partner_applications = connection(
        PartnerApplication,
        APPLICATIONS,
        action=actions.PARTNER_APPLICATION_READ,
        arguments={"status": PartnerApplicationStatus | None},
    )
    partner_application = lookup(PartnerApplication, action=actions.PARTNER_APPLICATION_READ)

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
        return [AgreementAcceptance.of(row) for row in rows]

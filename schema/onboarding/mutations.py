"""Partner applications (by the channel team, or the public form), their review, and the partner agreement."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.enums import PartnerKind
from schema.graph.entities import plain
from schema.graph.readers import ANYONE, TENANT
from schema.identity.types import User
from schema.onboarding.types import AgreementAcceptance, PartnerAgreement, PartnerApplication
from schema.partners.types import Partner
from schema.permissions import Public, requires
from schema.relay import from_global_id
from tenants.errors import RateLimited
from tenants.onboarding import agreements, applications


@strawberry.input
class PartnerApplicationInput:
    company_name: str
    kind: PartnerKind
    contact_name: str
    contact_email: str
    domain: str | None = None
    territory: str | None = None
    contact_phone: str | None = None
    message: str | None = strawberry.field(default=None, description="What the applicant wants to tell the vendor.")

    def fields(self) -> dict:
        return {
            "company_name": self.company_name,
            "kind": self.kind.value,
            "contact_name": self.contact_name,
            "contact_email": self.contact_email,
            "domain": self.domain,
            "territory": self.territory,
            "contact_phone": self.contact_phone,
            "message": self.message,
        }


@plain(readers=TENANT)
class PartnerApplicationPayload:
    application: PartnerApplication


@plain(readers=TENANT)
class ApprovePartnerApplicationPayload:
    application: PartnerApplication
    partner: Partner
    admin: User = strawberry.field(description="The partner's first admin, invited.")
    invitation_token: str = strawberry.field(description="One-time token for the admin (acceptInvitation).")


@plain(readers=ANYONE)
class ApplyAsPartnerPayload:
    received: bool


@plain(readers=TENANT)
class AcceptPartnerAgreementPayload:
    acceptance: AgreementAcceptance
    partner: Partner


def _id(global_id: strawberry.ID):
    return from_global_id(global_id, "PartnerApplication")[1]


@strawberry.type
class OnboardingMutation:
    @strawberry.mutation(permission_classes=[requires(actions.PARTNER_APPLICATION_CREATE)])
    async def submit_partner_application(self, info: Info, input: PartnerApplicationInput) -> PartnerApplicationPayload:
        row = await info.context.write(applications.submit_application, input.fields())
        return PartnerApplicationPayload(application=PartnerApplication.of(row))

    @strawberry.mutation(
        permission_classes=[Public],
        description="The public application form: open when the vendor enables it; rate limited per client.",
    )
    async def apply_as_partner(self, info: Info, tenant: str, input: PartnerApplicationInput) -> ApplyAsPartnerPayload:
        if not info.context.services.admit(f"partner_application:{tenant.strip().lower()}:{info.context.client}"):
            raise RateLimited("too many applications from your address; try again later")
        await applications.apply_publicly(info.context.services.sessions, tenant, input.fields())
        return ApplyAsPartnerPayload(received=True)

    @strawberry.mutation(permission_classes=[requires(actions.PARTNER_APPLICATION_REVIEW)])
    async def start_partner_application_review(
        self, info: Info, id: strawberry.ID, version: int
    ) -> PartnerApplicationPayload:
        row = await info.context.write(applications.start_review, _id(id), version)
        return PartnerApplicationPayload(application=PartnerApplication.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.PARTNER_APPLICATION_REVIEW)])
    async def reject_partner_application(
        self, info: Info, id: strawberry.ID, version: int, reason: str
    ) -> PartnerApplicationPayload:
        row = await info.context.write(applications.reject_application, _id(id), version, reason)
        return PartnerApplicationPayload(application=PartnerApplication.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.PARTNER_APPLICATION_REVIEW)],
        description="Creates the partner in ONBOARDING and invites the applicant's contact as its first admin.",
    )
    async def approve_partner_application(
        self, info: Info, id: strawberry.ID, version: int, tier: str | None = None
    ) -> ApprovePartnerApplicationPayload:
        row, partner, user, token = await info.context.write(
            applications.approve_application, _id(id), version, tier=tier
        )
        return ApprovePartnerApplicationPayload(
            application=PartnerApplication.of(row),
            partner=Partner.of(partner),
            admin=User.of(user),
            invitation_token=token,
        )

    @strawberry.mutation(
        permission_classes=[requires(actions.AGREEMENT_UPDATE)], description="A new version becomes the current one."
    )
    async def publish_partner_agreement(self, info: Info, title: str, body: str) -> PartnerAgreement:
        row = await info.context.write(agreements.publish_agreement, title, body)
        return PartnerAgreement.of(row)

    @strawberry.mutation(
        permission_classes=[requires(actions.AGREEMENT_ACCEPT)],
        description="The partner admin accepts the current version; an onboarding partner becomes active.",
    )
    async def accept_partner_agreement(self, info: Info, version: int) -> AcceptPartnerAgreementPayload:
        acceptance, partner = await info.context.write(agreements.accept_agreement, version)
        return AcceptPartnerAgreementPayload(acceptance=AgreementAcceptance.of(acceptance), partner=Partner.of(partner))

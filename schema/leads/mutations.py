"""Lead mutations: vendors create, distribute and assign leads; the partner offered a lead accepts or declines."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.graph.entities import plain
from schema.graph.readers import TENANT
from schema.inputs import provided
from schema.leads.types import Lead, LeadTierRule
from schema.permissions import requires
from schema.relay import from_global_id
from tenants.leads import service


@strawberry.input
class LeadContactInput:
    first_name: str
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    title: str | None = None


@strawberry.input
class CreateLeadInput:
    company_name: str
    source: str = strawberry.field(description="Where the lead came from: a campaign, a web form, an event.")
    contact: LeadContactInput
    company_domain: str | None = None
    territory: str | None = None
    need: str | None = strawberry.field(default=None, description="What the company is looking for.")
    distribute: bool = strawberry.field(default=True, description="Offer it at once by the tenant's rules.")


@strawberry.input
class UpdateLeadInput:
    company_name: str | None = strawberry.UNSET
    company_domain: str | None = strawberry.UNSET
    territory: str | None = strawberry.UNSET
    need: str | None = strawberry.UNSET
    source: str | None = strawberry.UNSET


@plain(readers=TENANT)
class LeadPayload:
    lead: Lead


@plain(readers=TENANT)
class DeclineLeadPayload:
    lead_id: strawberry.ID = strawberry.field(description="The lead, which is no longer visible to you.")


def _lead_id(global_id: strawberry.ID):
    return from_global_id(global_id, "Lead")[1]


@strawberry.type
class LeadMutation:
    @strawberry.mutation(permission_classes=[requires(actions.LEAD_CREATE)])
    async def create_lead(self, info: Info, input: CreateLeadInput) -> LeadPayload:
        fields = {
            "company_name": input.company_name,
            "source": input.source,
            "company_domain": input.company_domain,
            "territory": input.territory,
            "need": input.need,
        }
        contact = {
            "first_name": input.contact.first_name,
            "last_name": input.contact.last_name,
            "email": input.contact.email,
            "phone": input.contact.phone,
            "title": input.contact.title,
        }
        row = await info.context.write(service.create_lead, fields, contact, distribute_now=input.distribute)
        return LeadPayload(lead=Lead.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.LEAD_UPDATE)], description="Correct a lead until it is converted."
    )
    async def update_lead(self, info: Info, id: strawberry.ID, version: int, input: UpdateLeadInput) -> LeadPayload:
        row = await info.context.write(service.update_lead, _lead_id(id), version, provided(input))
        return LeadPayload(lead=Lead.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.LEAD_ARCHIVE)],
        description="Archive a lead, withdrawing an offer that awaits an answer; it is never offered again.",
    )
    async def archive_lead(self, info: Info, id: strawberry.ID, version: int) -> LeadPayload:
        row = await info.context.write(service.archive_lead, _lead_id(id), version)
        return LeadPayload(lead=Lead.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.LEAD_ASSIGN)],
        description="Offer a pool lead by the tenant's rules; it stays in the pool if no partner may take it.",
    )
    async def distribute_lead(self, info: Info, id: strawberry.ID) -> LeadPayload:
        row = await info.context.write(service.distribute_lead, _lead_id(id))
        return LeadPayload(lead=Lead.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.LEAD_ASSIGN)],
        description="Offer the lead to this partner, taking it back from whoever holds the offer.",
    )
    async def assign_lead(self, info: Info, id: strawberry.ID, partner_id: strawberry.ID) -> LeadPayload:
        row = await info.context.write(service.assign_lead, _lead_id(id), from_global_id(partner_id, "Partner")[1])
        return LeadPayload(lead=Lead.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.LEAD_RESPOND)],
        description="Accept an offer in time: the lead becomes your customer, contact and partner-sourced deal.",
    )
    async def accept_lead(self, info: Info, id: strawberry.ID) -> LeadPayload:
        row = await info.context.write(service.accept_lead, _lead_id(id))
        return LeadPayload(lead=Lead.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.LEAD_RESPOND)],
        description="Decline an offer: the lead goes to the next partner and is never offered to you again.",
    )
    async def decline_lead(self, info: Info, id: strawberry.ID, reason: str | None = None) -> DeclineLeadPayload:
        await info.context.write(service.decline_lead, _lead_id(id), reason)
        return DeclineLeadPayload(lead_id=id)

    @strawberry.mutation(permission_classes=[requires(actions.LEAD_ASSIGN)])
    async def set_lead_tier_rule(self, info: Info, tier: str, weight: int, capacity: int) -> LeadTierRule:
        row = await info.context.write(service.set_tier_rule, tier, weight, capacity)
        return LeadTierRule.of(row)

"""Partner mutations."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import actions
from schema.enums import PartnerKind, PartnerStatus
from schema.graph.entities import plain
from schema.graph.readers import TENANT
from schema.inputs import provided
from schema.partners.types import Partner
from schema.permissions import requires
from schema.relay import from_global_id
from tenants.partners import service

UNSET = strawberry.UNSET
IDS = {"parent_id": "Partner"}


@strawberry.input
class CreatePartnerInput:
    name: str
    kind: PartnerKind
    status: PartnerStatus = PartnerStatus.PROSPECT
    tier: str | None = None
    territory: str | None = None
    website: str | None = None
    domain: str | None = None
    parent_id: strawberry.ID | None = None


@strawberry.input
class UpdatePartnerInput:
    id: strawberry.ID
    version: int = strawberry.field(description="The version you read; a stale one is a CONFLICT.")
    name: str | None = UNSET
    kind: PartnerKind | None = UNSET
    status: PartnerStatus | None = UNSET
    tier: str | None = UNSET
    territory: str | None = UNSET
    website: str | None = UNSET
    domain: str | None = UNSET
    parent_id: strawberry.ID | None = UNSET


@plain(readers=TENANT)
class PartnerPayload:
    partner: Partner


@strawberry.type
class PartnerMutation:
    @strawberry.mutation(permission_classes=[requires(actions.PARTNER_CREATE)])
    async def create_partner(self, info: Info, input: CreatePartnerInput) -> PartnerPayload:
        row = await info.context.write(service.create_partner, provided(input, ids=IDS))
        return PartnerPayload(partner=Partner.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.PARTNER_UPDATE)])
    async def update_partner(self, info: Info, input: UpdatePartnerInput) -> PartnerPayload:
        _, partner_id = from_global_id(input.id, "Partner")
        row = await info.context.write(service.update_partner, partner_id, input.version, provided(input, ids=IDS))
        return PartnerPayload(partner=Partner.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.PARTNER_ARCHIVE)])
    async def archive_partner(self, info: Info, id: strawberry.ID, version: int) -> PartnerPayload:
        _, partner_id = from_global_id(id, "Partner")
        row = await info.context.write(service.archive_partner, partner_id, version)
        return PartnerPayload(partner=Partner.of(row))

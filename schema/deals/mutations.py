"""Deal mutations."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from authz import actions
from authz.principal import Principal
from schema.deals.types import Deal
from schema.enums import DealSource, value
from schema.graph.entities import plain
from schema.graph.readers import TENANT
from schema.graph.writes import lean
from schema.inputs import provided
from schema.permissions import requires
from schema.relay import from_global_id, optional_id
from tenants.deals import changes, service, writes
from tenants.driver import Driver

UNSET = strawberry.UNSET
IDS = {"customer_id": "Customer", "partner_id": "Partner", "owner_id": "User", "stage_id": "PipelineStage"}


@strawberry.input
class CreateDealInput:
    title: str
    customer_id: strawberry.ID
    amount: decimal.Decimal = decimal.Decimal(0)
    currency: str | None = strawberry.field(default=UNSET, description="Default: the tenant's currency.")
    partner_id: strawberry.ID | None = UNSET
    source: DealSource | None = UNSET
    stage_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Default: the first open stage.")
    expected_close_date: dt.date | None = None
    probability: int | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    internal_notes: str | None = UNSET


@strawberry.input
class UpdateDealInput:
    id: strawberry.ID
    version: int
    title: str | None = UNSET
    amount: decimal.Decimal | None = UNSET
    currency: str | None = UNSET
    expected_close_date: dt.date | None = UNSET
    probability: int | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    internal_notes: str | None = UNSET


@strawberry.input
class MoveDealStageInput:
    id: strawberry.ID
    version: int
    stage_id: strawberry.ID


@strawberry.input
class CloseDealInput:
    id: strawberry.ID
    version: int
    won: bool
    reason: str | None = strawberry.field(default=None, description="Required when lost.")


@strawberry.input
class AssignDealPartnerInput:
    id: strawberry.ID
    version: int
    partner_id: strawberry.ID | None = strawberry.field(description="None makes the deal direct.")
    source: DealSource | None = None


@plain(readers=TENANT)
class DealPayload:
    deal: Deal


def _deal_id(global_id: strawberry.ID):
    return from_global_id(global_id, "Deal")[1]


def _create_fields(input: CreateDealInput) -> dict[str, Any]:
    fields = provided(input, ids=IDS)
    if fields.get("amount") is None:
        fields.pop("amount", None)
    return fields


async def _create_lean(driver: Driver, principal: Principal, arguments: dict[str, Any]) -> uuid.UUID:
    return (await writes.create_deal(driver, principal, _create_fields(arguments["input"])))["id"]


async def _update_lean(driver: Driver, principal: Principal, arguments: dict[str, Any]) -> uuid.UUID:
    input: UpdateDealInput = arguments["input"]
    return await changes.update_deal(driver, principal, _deal_id(input.id), input.version, provided(input, ids=IDS))


async def _move_lean(driver: Driver, principal: Principal, arguments: dict[str, Any]) -> uuid.UUID:
    input: MoveDealStageInput = arguments["input"]
    stage_id = from_global_id(input.stage_id, "PipelineStage")[1]
    return await changes.move_stage(driver, principal, _deal_id(input.id), input.version, stage_id)


@strawberry.type
class DealMutation:
    @strawberry.mutation(permission_classes=[requires(actions.DEAL_CREATE)], metadata=lean(_create_lean))
    async def create_deal(self, info: Info, input: CreateDealInput) -> DealPayload:
        row = await info.context.write(service.create_deal, _create_fields(input))
        return DealPayload(deal=Deal.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.DEAL_UPDATE)], metadata=lean(_update_lean))
    async def update_deal(self, info: Info, input: UpdateDealInput) -> DealPayload:
        row = await info.context.write(service.update_deal, _deal_id(input.id), input.version, provided(input, ids=IDS))
        return DealPayload(deal=Deal.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.DEAL_ARCHIVE)])
    async def archive_deal(self, info: Info, id: strawberry.ID, version: int) -> DealPayload:
        row = await info.context.write(service.archive_deal, _deal_id(id), version)
        return DealPayload(deal=Deal.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.DEAL_MOVE_STAGE)], metadata=lean(_move_lean))
    async def move_deal_stage(self, info: Info, input: MoveDealStageInput) -> DealPayload:
        stage_id = from_global_id(input.stage_id, "PipelineStage")[1]
        row = await info.context.write(service.move_stage, _deal_id(input.id), input.version, stage_id)
        return DealPayload(deal=Deal.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.DEAL_CLOSE)])
    async def close_deal(self, info: Info, input: CloseDealInput) -> DealPayload:
        row = await info.context.write(
            service.close_deal, _deal_id(input.id), input.version, won=input.won, reason=input.reason
        )
        return DealPayload(deal=Deal.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.DEAL_ASSIGN_PARTNER)])
    async def assign_deal_partner(self, info: Info, input: AssignDealPartnerInput) -> DealPayload:
        row = await info.context.write(
            service.assign_partner,
            _deal_id(input.id),
            input.version,
            optional_id(input.partner_id, "Partner"),
            value(input.source),
        )
        return DealPayload(deal=Deal.of(row))

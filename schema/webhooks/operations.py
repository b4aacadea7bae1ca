"""Webhook queries and mutations."""

from __future__ import annotations

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from authz import actions
from schema.graph.entities import enum, plain
from schema.graph.listings import connection
from schema.graph.readers import TENANT
from schema.inputs import provided
from schema.permissions import requires
from schema.relay import from_global_id
from schema.webhooks.types import WebhookDelivery, WebhookEndpoint
from tenants.webhooks import service
from tenants.webhooks.models import DELIVERY_STATUSES
from tenants.webhooks.models import WebhookEndpoint as EndpointRow

UNSET = strawberry.UNSET


DeliveryStatus = enum("DeliveryStatus", DELIVERY_STATUSES)


@strawberry.input
class CreateWebhookEndpointInput:
    url: str
    event_types: list[str] = strawberry.field(description='Event types, or ["*"] for all.')
    description: str | None = None


@strawberry.input
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    version: int
    url: str | None = UNSET
    event_types: list[str] | None = UNSET
    active: bool | None = UNSET
    description: str | None = UNSET


@plain(readers=TENANT)
class CreateWebhookEndpointPayload:
    endpoint: WebhookEndpoint
    secret: str = strawberry.field(description="The signing secret, shown only now.")


@plain(readers=TENANT)
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint


@plain(readers=TENANT)
class DeleteWebhookEndpointPayload:
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint, which sends nothing more.")


@plain(readers=TENANT)
class RotateWebhookSecretPayload:
    endpoint: WebhookEndpoint
    secret: str = strawberry.field(description="The new signing secret, shown only now; the old one no longer signs.")


@plain(readers=TENANT)
class WebhookDeliveryPayload:
    delivery: WebhookDelivery


@strawberry.type
class WebhookQuery:
    @strawberry.field(permission_classes=[requires(actions.WEBHOOK_READ)])
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        async with info.context.db.reading() as session:
            live = select(EndpointRow).where(EndpointRow.archived_at.is_(None))
            rows = await session.execute(live.order_by(EndpointRow.created_at))
            return [WebhookEndpoint.of(row) for row in rows.scalars()]

    webhook_deliveries = connection(
        WebhookDelivery,
        service.DELIVERIES,
        action=actions.WEBHOOK_READ,
        arguments={"status": DeliveryStatus | None, "endpoint_id": strawberry.ID | None},
        description="Deliveries and dead letters.",
    )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(permission_classes=[requires(actions.WEBHOOK_MANAGE)])
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> CreateWebhookEndpointPayload:
        row = await info.context.write(
            service.create_endpoint, provided(input), allow_private=info.context.services.allow_private_webhooks
        )
        return CreateWebhookEndpointPayload(endpoint=WebhookEndpoint.of(row), secret=row.secret)

    @strawberry.mutation(permission_classes=[requires(actions.WEBHOOK_MANAGE)])
    async def update_webhook_endpoint(self, info: Info, input: UpdateWebhookEndpointInput) -> WebhookEndpointPayload:
        endpoint_id = from_global_id(input.id, "WebhookEndpoint")[1]
        row = await info.context.write(
            service.update_endpoint,
            endpoint_id,
            input.version,
            provided(input),
            allow_private=info.context.services.allow_private_webhooks,
        )
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.of(row))

    @strawberry.mutation(
        permission_classes=[requires(actions.WEBHOOK_DELETE)],
        description="Delete the endpoint: no new deliveries, pending ones die; past deliveries stay readable.",
    )
    async def delete_webhook_endpoint(self, info: Info, id: strawberry.ID) -> DeleteWebhookEndpointPayload:
        await info.context.write(service.delete_endpoint, from_global_id(id, "WebhookEndpoint")[1])
        return DeleteWebhookEndpointPayload(endpoint_id=id)

    @strawberry.mutation(permission_classes=[requires(actions.WEBHOOK_ROTATE_SECRET)])
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> RotateWebhookSecretPayload:
        row = await info.context.write(service.rotate_secret, from_global_id(id, "WebhookEndpoint")[1])
        return RotateWebhookSecretPayload(endpoint=WebhookEndpoint.of(row), secret=row.secret)

    @strawberry.mutation(permission_classes=[requires(actions.WEBHOOK_MANAGE)], description="Send a dead letter again.")
    async def replay_webhook_delivery(self, info: Info, id: strawberry.ID) -> WebhookDeliveryPayload:
        row = await info.context.write(service.replay_delivery, from_global_id(id, "WebhookDelivery")[1])
        return WebhookDeliveryPayload(delivery=WebhookDelivery.of(row))

"""`node(id)` and `nodes(ids)`: any object by global id, through the same loaders and row policies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.types import Info

from authz import actions
from authz.actions import Action
from schema.activities.types import Activity
from schema.customers.types import Contact, Customer
from schema.deals.types import Deal, PipelineStage
from schema.errors import forbidden
from schema.identity.types import User
from schema.leads.types import Lead
from schema.loaders import load_one
from schema.onboarding.types import PartnerApplication
from schema.partners.types import Partner
from schema.permissions import Authenticated
from schema.registrations.types import Registration
from schema.relay import Node, from_global_id
from tenants.activities.models import Activity as ActivityRow
from tenants.customers.models import Contact as ContactRow
from tenants.customers.models import Customer as CustomerRow
from tenants.deals.models import Deal as DealRow
from tenants.deals.models import PipelineStage as StageRow
from tenants.errors import BadInput, NotFound
from tenants.identity.models import User as UserRow
from tenants.leads.models import Lead as LeadRow
from tenants.onboarding.models import PartnerApplication as ApplicationRow
from tenants.partners.models import Partner as PartnerRow
from tenants.registrations.models import Registration as RegistrationRow

# type name -> (row model, GraphQL type's constructor, action needed to read it)
RESOLVABLE: dict[str, tuple[type, Callable[[Any], Node], Action]] = {
    "Partner": (PartnerRow, Partner.of, actions.PARTNER_READ),
    "Customer": (CustomerRow, Customer.of, actions.CUSTOMER_READ),
    "Contact": (ContactRow, Contact.of, actions.CONTACT_READ),
    "Deal": (DealRow, Deal.of, actions.DEAL_READ),
    "Activity": (ActivityRow, Activity.of, actions.ACTIVITY_READ),
    "User": (UserRow, User.of, actions.USER_READ),
    "PipelineStage": (StageRow, PipelineStage.of, actions.PIPELINE_STAGE_READ),
    "Registration": (RegistrationRow, Registration.of, actions.REGISTRATION_READ),
    "Lead": (LeadRow, Lead.of, actions.LEAD_READ),
    "PartnerApplication": (ApplicationRow, PartnerApplication.of, actions.PARTNER_APPLICATION_READ),
}
MAX_NODES = 100


async def resolve_node(info: Info, global_id: str) -> Node:
    type_name, id_ = from_global_id(global_id)
    found = RESOLVABLE.get(type_name)
    if found is None:
        raise NotFound("no such object")
    model, convert, action = found
    if not info.context.allows(action):
        raise forbidden(f"not allowed: {action}", action=str(action))
    row = await load_one(info.context, model, id_)
    if row is None:
        raise NotFound("no such object")
    return convert(row)


@strawberry.type
class NodeQuery:
    @strawberry.field(permission_classes=[Authenticated], description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node:
        return await resolve_node(info, id)

    @strawberry.field(permission_classes=[Authenticated], description="Objects by global id; null where not found.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadInput(f"at most {MAX_NODES} ids", field="ids")
        found = await asyncio.gather(*(resolve_node(info, i) for i in ids), return_exceptions=True)
        for result in found:
            if isinstance(result, BaseException) and not isinstance(result, NotFound):
                raise result
        return [None if isinstance(result, NotFound) else result for result in found]

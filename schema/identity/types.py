"""User as the graph shows it. Its audience, roles, partner and whether its access is active come from its
membership, computed in SQL (`tenants.identity.models`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from authz import actions
from schema.enums import MemberAudience
from schema.graph.entities import entity
from schema.graph.fields import column, reference
from schema.graph.readers import CHANNEL, TENANT
from schema.relay import Node
from tenants.identity.models import User as UserRow

if TYPE_CHECKING:
    from schema.partners.types import Partner


@entity(UserRow, readers=TENANT, action=actions.USER_READ)
class User(Node):
    email: str = column(TENANT)
    name: str = column(TENANT)
    status: str = column(TENANT)
    created_at: dt.datetime = column(TENANT)
    audience: MemberAudience | None = column(TENANT)
    roles: list[str] = column(TENANT)
    active: bool = column(TENANT, description="Whether the user's access is active (not revoked).")
    partner: Annotated[Partner, strawberry.lazy("schema.partners.types")] | None = reference("partner_id", CHANNEL)

"""User as the graph shows it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from schema.enums import MemberAudience
from schema.loaders import children, load_one
from schema.relay import Node, to_global_id
from tenants.identity.models import Membership
from tenants.identity.models import User as UserRow
from tenants.partners.models import Partner as PartnerRow

if TYPE_CHECKING:
    from schema.partners.types import Partner


@strawberry.type
class User(Node):
    email: str
    name: str
    status: str
    created_at: dt.datetime
    _row: strawberry.Private[UserRow]

    @classmethod
    def of(cls, row: UserRow) -> User:
        return cls(
            id=to_global_id("User", row.id),
            email=row.email,
            name=row.name,
            status=row.status,
            created_at=row.created_at,
            _row=row,
        )

    async def _membership(self, info: Info) -> Membership | None:
        found = await children(info.context, Membership, Membership.user_id, [Membership.created_at], 1).load(
            self._row.id
        )
        return found[0] if found else None

    @strawberry.field
    async def audience(self, info: Info) -> MemberAudience | None:
        membership = await self._membership(info)
        return None if membership is None else MemberAudience(membership.audience)

    @strawberry.field
    async def roles(self, info: Info) -> list[str]:
        membership = await self._membership(info)
        return [] if membership is None else list(membership.roles)

    @strawberry.field(description="Whether the user's access is active (not revoked).")
    async def active(self, info: Info) -> bool:
        membership = await self._membership(info)
        return membership is not None and membership.status == "active" and self._row.status != "deactivated"

    @strawberry.field
    async def partner(self, info: Info) -> Annotated[Partner, strawberry.lazy("schema.partners.types")] | None:
        from schema.partners.types import Partner

        membership = await self._membership(info)
        if membership is None or membership.partner_id is None:
            return None
        row = await load_one(info.context, PartnerRow, membership.partner_id)
        return None if row is None else Partner.of(row)

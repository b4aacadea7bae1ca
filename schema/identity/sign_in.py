"""Public mutations: sign in with a password, accept an invitation. Both name the tenant by slug."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.graph.entities import plain
from schema.graph.ids import to_global_id
from schema.graph.readers import ANYONE
from schema.permissions import Public
from tenants.identity import sign_in


@plain(readers=ANYONE)
class SignInPayload:
    token: str = strawberry.field(description="Bearer token for the Authorization header.")
    user_id: strawberry.ID


@strawberry.type
class SignInMutation:
    @strawberry.mutation(permission_classes=[Public], description="Exchange email and password for a token.")
    async def sign_in(self, info: Info, tenant: str, email: str, password: str) -> SignInPayload:
        user = await sign_in.sign_in(info.context.services.sessions, tenant, email, password)
        token = info.context.services.mint_token(user.tenant_id, user.id)
        return SignInPayload(token=token, user_id=to_global_id("User", user.id))

    @strawberry.mutation(
        permission_classes=[Public], description="Set a password with a one-time invitation token; signs in."
    )
    async def accept_invitation(self, info: Info, tenant: str, token: str, password: str) -> SignInPayload:
        user = await sign_in.accept_invitation(info.context.services.sessions, tenant, token, password)
        return SignInPayload(
            token=info.context.services.mint_token(user.tenant_id, user.id), user_id=to_global_id("User", user.id)
        )

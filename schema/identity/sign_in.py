"""Public mutations: sign in with a password, accept an invitation. Both name the tenant by slug."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz.principal import Principal
from schema.permissions import Public
from schema.relay import to_global_id
from tenants.database import tenant_session
from tenants.errors import Forbidden, Unauthenticated
from tenants.identity import users
from tenants.platform.provisioning import tenant_for_slug


@strawberry.type
class SignInPayload:
    token: str = strawberry.field(description="Bearer token for the Authorization header.")
    user_id: strawberry.ID


async def _tenant(info: Info, slug: str):
    async with tenant_session(info.context.services.sessions, Principal.anonymous(), read_only=True) as s:
        found = await tenant_for_slug(s, slug)
    if found is None:
        raise Unauthenticated("wrong email or password")
    tenant_id, status = found
    if status != "active":
        raise Forbidden("this tenant is suspended")
    return tenant_id


@strawberry.type
class SignInMutation:
    @strawberry.mutation(permission_classes=[Public], description="Exchange email and password for a token.")
    async def sign_in(self, info: Info, tenant: str, email: str, password: str) -> SignInPayload:
        tenant_id = await _tenant(info, tenant)
        async with tenant_session(info.context.services.sessions, Principal.system(tenant_id)) as session:
            user = await users.verify_sign_in(session, email, password)
        token = info.context.services.mint_token(tenant_id, user.id)
        return SignInPayload(token=token, user_id=to_global_id("User", user.id))

    @strawberry.mutation(
        permission_classes=[Public], description="Set a password with a one-time invitation token; signs in."
    )
    async def accept_invitation(self, info: Info, tenant: str, token: str, password: str) -> SignInPayload:
        tenant_id = await _tenant(info, tenant)
        async with tenant_session(info.context.services.sessions, Principal.system(tenant_id)) as session:
            user = await users.accept_invitation(session, Principal.system(tenant_id), token, password)
        return SignInPayload(
            token=info.context.services.mint_token(tenant_id, user.id), user_id=to_global_id("User", user.id)
        )

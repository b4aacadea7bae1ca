"""Users and API keys: listing, inviting, roles, revoking access (vendor admins; partner admins for their own)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from authz import actions
from schema.enums import MemberAudience
from schema.graph.entities import entity, plain
from schema.graph.fields import column, computed
from schema.graph.listings import connection, lookup
from schema.graph.readers import CHANNEL, TENANT
from schema.identity.types import User
from schema.inputs import provided
from schema.permissions import requires
from schema.relay import Node, from_global_id, optional_id
from tenants.identity import api_keys, profile, users
from tenants.identity.models import ApiKey as ApiKeyRow


@entity(ApiKeyRow, readers=CHANNEL, action=actions.API_KEY_READ)
class ApiKey(Node):
    name: str = column(CHANNEL)

    @computed(CHANNEL, description="`cg_<key id>`: enough to recognise the key, never to use it.")
    def prefix(self) -> str:
        return self._row.prefix

    audience: MemberAudience = column(CHANNEL)
    roles: list[str] = column(CHANNEL)
    created_at: dt.datetime = column(CHANNEL)
    last_used_at: dt.datetime | None = column(CHANNEL)
    expires_at: dt.datetime | None = column(CHANNEL)
    revoked_at: dt.datetime | None = column(CHANNEL)


@strawberry.input
class InviteUserInput:
    email: str
    name: str
    audience: MemberAudience
    roles: list[str]
    partner_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None


@plain(readers=TENANT)
class InviteUserPayload:
    user: User
    invitation_token: str = strawberry.field(description="One-time; shown only now.")


@plain(readers=TENANT)
class UserPayload:
    user: User


@strawberry.input
class UpdateMyProfileInput:
    name: str | None = strawberry.UNSET


@strawberry.input
class CreateApiKeyInput:
    name: str
    audience: MemberAudience
    roles: list[str]
    partner_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    expires_at: dt.datetime | None = None


@plain(readers=TENANT)
class CreateApiKeyPayload:
    api_key: ApiKey
    token: str = strawberry.field(description="The whole key, shown only now: `Authorization: Bearer <token>`.")


@plain(readers=TENANT)
class ApiKeyPayload:
    api_key: ApiKey


@strawberry.type
class UserQuery:
    users = connection(
        User,
        users.USERS,
        action=actions.USER_READ,
        arguments={"search": str | None, "audience": MemberAudience | None, "partner_id": strawberry.ID | None},
    )
    user = lookup(User, action=actions.USER_READ)

    @strawberry.field(permission_classes=[requires(actions.API_KEY_READ)])
    async def api_keys(self, info: Info) -> list[ApiKey]:
        async with info.context.db.reading() as session:
            return [ApiKey.of(row) for row in await api_keys.list_api_keys(session)]


@strawberry.type
class UserMutation:
    @strawberry.mutation(permission_classes=[requires(actions.USER_INVITE)])
    async def invite_user(self, info: Info, input: InviteUserInput) -> InviteUserPayload:
        user, token = await info.context.write(
            users.invite_user,
            email=input.email,
            name=input.name,
            audience=input.audience.value,
            roles=input.roles,
            partner_id=optional_id(input.partner_id, "Partner"),
            customer_id=optional_id(input.customer_id, "Customer"),
        )
        return InviteUserPayload(user=User.of(user), invitation_token=token)

    @strawberry.mutation(permission_classes=[requires(actions.USER_ASSIGN_ROLES)])
    async def assign_roles(self, info: Info, user_id: strawberry.ID, roles: list[str]) -> UserPayload:
        found = await info.context.write(users.set_roles, from_global_id(user_id, "User")[1], roles)
        return UserPayload(user=User.of(found.user))

    @strawberry.mutation(permission_classes=[requires(actions.USER_REVOKE)])
    async def revoke_access(self, info: Info, user_id: strawberry.ID) -> UserPayload:
        found = await info.context.write(users.revoke_access, from_global_id(user_id, "User")[1])
        return UserPayload(user=User.of(found.user))

    @strawberry.mutation(
        permission_classes=[requires(actions.USER_UPDATE_PROFILE)],
        description="Change your own profile (your name). Roles are an admin's; the email is not changed here.",
    )
    async def update_my_profile(self, info: Info, input: UpdateMyProfileInput) -> UserPayload:
        row = await info.context.write(profile.update_profile, provided(input))
        return UserPayload(user=User.of(row))

    @strawberry.mutation(permission_classes=[requires(actions.API_KEY_CREATE)])
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        issued = await info.context.write(
            api_keys.create_api_key,
            name=input.name,
            audience=input.audience.value,
            roles=input.roles,
            partner_id=optional_id(input.partner_id, "Partner"),
            customer_id=optional_id(input.customer_id, "Customer"),
            expires_at=input.expires_at,
        )
        return CreateApiKeyPayload(api_key=ApiKey.of(issued.key), token=issued.token)

    @strawberry.mutation(permission_classes=[requires(actions.API_KEY_REVOKE)])
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> ApiKeyPayload:
        row = await info.context.write(api_keys.revoke_api_key, from_global_id(id, "ApiKey")[1])
        return ApiKeyPayload(api_key=ApiKey.of(row))

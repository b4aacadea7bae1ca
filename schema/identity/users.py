"""Users and API keys: listing, inviting, roles, revoking access (vendor admins; partner admins for their own)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from authz import actions
from schema.enums import MemberAudience, value
from schema.identity.types import User
from schema.permissions import requires
from schema.relay import Connection, Node, connection, from_global_id, lookup, optional_id, to_global_id
from tenants.identity import api_keys, users
from tenants.identity.models import ApiKey as ApiKeyRow
from tenants.identity.models import User as UserRow


@strawberry.type
class ApiKey(Node):
    name: str
    prefix: str = strawberry.field(description="`cg_<key id>`: enough to recognise the key, never to use it.")
    audience: MemberAudience
    roles: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, row: ApiKeyRow) -> ApiKey:
        return cls(
            id=to_global_id("ApiKey", row.id),
            name=row.name,
            prefix=row.prefix,
            audience=MemberAudience(row.audience),
            roles=list(row.roles),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )


@strawberry.input
class InviteUserInput:
    email: str
    name: str
    audience: MemberAudience
    roles: list[str]
    partner_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None


@strawberry.type
class InviteUserPayload:
    user: User
    invitation_token: str = strawberry.field(description="One-time; shown only now.")


@strawberry.type
class UserPayload:
    user: User


@strawberry.input
class CreateApiKeyInput:
    name: str
    audience: MemberAudience
    roles: list[str]
    partner_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    expires_at: dt.datetime | None = None


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey
    token: str = strawberry.field(description="The whole key, shown only now: `Authorization: Bearer <token>`.")


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey


@strawberry.type
class UserQuery:
    @strawberry.field(permission_classes=[requires(actions.USER_READ)])
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: str | None = None,
        audience: MemberAudience | None = None,
        partner_id: strawberry.ID | None = None,
    ) -> Connection[User]:
        query = users.users_query(
            search=search, audience=value(audience), partner_id=optional_id(partner_id, "Partner")
        )
        return await connection(
            info, query, users.USER_ORDER, User.of, first=first, after=after, last=last, before=before
        )

    @strawberry.field(permission_classes=[requires(actions.USER_READ)])
    async def user(self, info: Info, id: strawberry.ID) -> User:
        return await lookup(info, UserRow, id, "User", User.of)

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

"""A signed-in user's own profile: what the users table holds about the person, changed by that person.

Only the name, for now. Roles belong to admins (`users.set_roles`); the email is how a user signs in and is
unique per tenant, and there is no verification of a new address yet, so it is not changed here. The row
policies let every tenant audience write its own user row (a customer user since migration 0015).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Principal
from tenants import records
from tenants.errors import BadInput, Forbidden
from tenants.identity.models import User

EDITABLE = ("name",)
MAX_NAME = 200


async def update_profile(session: AsyncSession, principal: Principal, changes: dict[str, Any]) -> User:
    if principal.user_id is None or principal.api_key_id is not None:
        raise Forbidden("an API key has no profile; sign in as a user")
    if changes.keys() - set(EDITABLE):
        raise BadInput(f"unknown fields: {', '.join(sorted(changes.keys() - set(EDITABLE)))}", field="input")
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise BadInput("name must not be empty", field="name")
        if len(name) > MAX_NAME:
            raise BadInput(f"name is at most {MAX_NAME} characters", field="name")
        changes = changes | {"name": name}
    user = await records.lock_for_change(session, User, principal.user_id, None, label="user")
    return await records.change(session, principal, user, changes, action="user.update_profile")

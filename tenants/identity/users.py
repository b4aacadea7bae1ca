"""Users of a tenant: creating members, invitations, accepting them, signing in, roles and revocation."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Audience, Principal
from authz.roles import validate_roles
from tenants.audit.log import record, snapshot
from tenants.base import new_id
from tenants.database import system_step
from tenants.errors import BadInput, Conflict, NotFound, Unauthenticated
from tenants.filters import Criterion, Listing
from tenants.identity.credentials import digest, hash_password, issue_invitation_token, verify_password
from tenants.identity.models import Invitation, Membership, User
from tenants.pagination import SortKey
from tenants.text_search import contains

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INVITATION_TTL = dt.timedelta(days=7)
MIN_PASSWORD = 10


@dataclass(frozen=True)
class Member:
    user: User
    membership: Membership


def normalise_email(email: str) -> str:
    email = email.strip()
    if not EMAIL.match(email) or len(email) > 320:
        raise BadInput("not an email address", field="email")
    return email


def _roles(audience: str, roles: list[str]) -> list[str]:
    try:
        return sorted(validate_roles(Audience(audience), frozenset(roles)))
    except ValueError as error:
        raise BadInput(str(error), field="roles") from None


async def create_member(
    session: AsyncSession,
    principal: Principal,
    *,
    email: str,
    name: str,
    audience: str,
    roles: list[str],
    partner_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    status: str = "invited",
) -> User:
    """A user and its membership. Emails are unique per tenant, case-insensitively."""
    if audience not in ("vendor", "partner", "customer"):
        raise BadInput("audience must be vendor, partner or customer", field="audience")
    if (audience == "partner") != (partner_id is not None) or (audience == "customer") != (customer_id is not None):
        raise BadInput("partner users need a partner, customer users a customer", field="audience")
    if not roles:
        raise BadInput("at least one role", field="roles")
    email = normalise_email(email)
    if await find_user_by_email(session, email):
        raise Conflict("a user with this email exists in this tenant", field="email")
    user = User(id=new_id(), tenant_id=principal.tenant_id, email=email, name=name.strip() or email, status=status)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as error:
        raise Conflict("a user with this email exists in this tenant", field="email") from error
    membership = Membership(
        tenant_id=principal.tenant_id,
        user_id=user.id,
        audience=audience,
        roles=_roles(audience, roles),
        partner_id=partner_id,
        customer_id=customer_id,
    )
    session.add(membership)
    await session.flush()
    await record(session, principal, "user.create", "User", user.id, after=snapshot(user) | {"roles": membership.roles})
    return user


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def member(session: AsyncSession, user_id: uuid.UUID) -> Member:
    row = (
        await session.execute(
            select(User, Membership)
            .join(Membership, (Membership.tenant_id == User.tenant_id) & (Membership.user_id == User.id))
            .where(User.id == user_id)
        )
    ).first()
    if row is None:
        raise NotFound("no such user")
    return Member(user=row[0], membership=row[1])


async def invite(session: AsyncSession, principal: Principal, user: User) -> str:
    """A one-time token (shown once; only its digest is kept) that activates `user`."""
    token = issue_invitation_token()
    session.add(
        Invitation(
            tenant_id=principal.tenant_id,
            user_id=user.id,
            token_hash=digest(token),
            created_by=principal.user_id,
            expires_at=dt.datetime.now(dt.UTC) + INVITATION_TTL,
        )
    )
    await record(session, principal, "user.invite", "User", user.id)
    return token


async def accept_invitation(session: AsyncSession, principal: Principal, token: str, password: str) -> User:
    """Run as the tenant's `system` principal: the token is the credential."""
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"password: at least {MIN_PASSWORD} characters", field="password")
    invitation = (
        await session.execute(
            select(Invitation)
            .where(Invitation.token_hash == digest(token), Invitation.accepted_at.is_(None))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if invitation is None or invitation.expires_at < dt.datetime.now(dt.UTC):
        raise Unauthenticated("unknown, used or expired invitation")
    invitation.accepted_at = func.now()
    user = await session.get(User, (principal.tenant_id, invitation.user_id))
    if user is None or user.status == "deactivated":
        raise Unauthenticated("unknown, used or expired invitation")
    user.password_hash = hash_password(password)
    user.status = "active"
    user.version += 1
    await session.flush()
    await record(session, principal, "user.accept_invitation", "User", user.id)
    return user


async def verify_sign_in(session: AsyncSession, email: str, password: str) -> User:
    """Run as the tenant's `system` principal. One error for every failure, and the same work for an unknown
    email (a password hash is checked either way), so nothing is revealed. A revoked member may not sign in."""
    user = await find_user_by_email(session, email)
    matches = verify_password(password, user.password_hash if user is not None else None)
    if user is None or user.status != "active" or not matches:
        raise Unauthenticated("wrong email or password")
    membership = (
        await session.execute(select(Membership.status).where(Membership.user_id == user.id))
    ).scalar_one_or_none()
    if membership != "active":
        raise Unauthenticated("wrong email or password")
    return user


async def set_roles(session: AsyncSession, principal: Principal, user_id: uuid.UUID, roles: list[str]) -> Member:
    found = await member(session, user_id)
    before = {"roles": list(found.membership.roles)}
    found.membership.roles = _roles(found.membership.audience, roles)
    if not found.membership.roles:
        raise BadInput("at least one role", field="roles")
    await session.flush()
    await record(
        session,
        principal,
        "user.assign_roles",
        "User",
        user_id,
        before=before,
        after={"roles": found.membership.roles},
    )
    return found


async def revoke_access(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> Member:
    """Immediate: the edge checks the membership on every request."""
    if user_id == principal.user_id:
        raise BadInput("you cannot revoke your own access", field="userId")
    found = await member(session, user_id)
    _own_partner_only(principal, found)
    if found.membership.status != "revoked":
        found.membership.status = "revoked"
        found.membership.revoked_at = func.now()
        await session.execute(
            update(Invitation)
            .where(Invitation.user_id == user_id, Invitation.accepted_at.is_(None))
            .values(expires_at=text("now()"))
        )
        await session.flush()
        await record(session, principal, "user.revoke", "User", user_id)
    return found


USER_ORDER = [SortKey(User.email), SortKey(User.id, kind=uuid.UUID)]
USERS = Listing(
    User,
    {
        "search": Criterion(lambda v: or_(User.name.ilike(v), User.email.ilike(v)), prepare=contains),
        "audience": Criterion(lambda v: Membership.audience == v, reveals=(User.audience,)),
        "partner_id": Criterion(lambda v: Membership.partner_id == v, reveals=(User.partner_id,)),
        "status": Criterion(lambda v: User.status == v),
    },
    {"EMAIL": USER_ORDER},
    base=lambda: select(User).join(
        Membership, (Membership.tenant_id == User.tenant_id) & (Membership.user_id == User.id)
    ),
)


async def invite_user(
    session: AsyncSession,
    principal: Principal,
    *,
    email: str,
    name: str,
    audience: str,
    roles: list[str],
    partner_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
) -> tuple[User, str]:
    """A new member with a one-time invitation. Partner admins invite only their own partner's users."""
    if principal.audience is Audience.PARTNER:
        if audience != "partner" or partner_id not in (None, principal.partner_id):
            raise BadInput("partner admins invite users of their own partner only", field="audience")
        partner_id = principal.partner_id
    # A partner's row policy on users admits only users with a membership of its partner, which a new
    # user gets only after its row exists: checked above, the pair is written in a `system` step.
    step = system_step(session, principal) if principal.audience is Audience.PARTNER else nullcontext()
    async with step:
        user = await create_member(
            session,
            principal,
            email=email,
            name=name,
            audience=audience,
            roles=roles,
            partner_id=partner_id,
            customer_id=customer_id,
        )
        return user, await invite(session, principal, user)


def _own_partner_only(principal: Principal, found: Member) -> None:
    if principal.audience is Audience.PARTNER and found.membership.partner_id != principal.partner_id:
        raise NotFound("no such user")

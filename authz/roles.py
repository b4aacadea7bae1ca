"""The role vocabulary, per audience. Roles live on memberships and keys, and arrive on the Principal."""

from __future__ import annotations

from collections.abc import Iterable

from authz.principal import Audience

PLATFORM_ADMIN = "platform_admin"
OWNER = "owner"
ADMIN = "admin"
CHANNEL_MANAGER = "channel_manager"
SALES_MANAGER = "sales_manager"
SALES_REP = "sales_rep"
SUPPORT = "support"
PARTNER_ADMIN = "partner_admin"
PARTNER_REP = "partner_rep"
CUSTOMER_USER = "customer_user"
SYSTEM = "system"

ROLES_BY_AUDIENCE: dict[Audience, frozenset[str]] = {
    Audience.PLATFORM: frozenset({PLATFORM_ADMIN}),
    Audience.VENDOR: frozenset({OWNER, ADMIN, CHANNEL_MANAGER, SALES_MANAGER, SALES_REP, SUPPORT}),
    Audience.PARTNER: frozenset({PARTNER_ADMIN, PARTNER_REP}),
    Audience.CUSTOMER: frozenset({CUSTOMER_USER}),
    Audience.SYSTEM: frozenset({SYSTEM}),
}
ALL_ROLES: frozenset[str] = frozenset().union(*ROLES_BY_AUDIENCE.values())
# Roles a tenant may hold and adjust with lines of its own (never platform or system).
TENANT_ROLES: frozenset[str] = (
    ROLES_BY_AUDIENCE[Audience.VENDOR] | ROLES_BY_AUDIENCE[Audience.PARTNER] | ROLES_BY_AUDIENCE[Audience.CUSTOMER]
)


def validate_roles(audience: Audience, roles: Iterable[str]) -> frozenset[str]:
    """`roles` as a frozenset if every one belongs to `audience`; else ValueError naming the others.

    Anonymous and authn audiences hold no roles, so any role given for them is refused.
    """
    given = frozenset(roles)
    allowed = ROLES_BY_AUDIENCE.get(audience, frozenset())
    unknown = sorted(given - ALL_ROLES)
    foreign = sorted((given & ALL_ROLES) - allowed)
    if unknown or foreign:
        problems = []
        if unknown:
            problems.append(f"unknown roles: {', '.join(unknown)}")
        if foreign:
            problems.append(f"not {audience} roles: {', '.join(foreign)}")
        choices = ", ".join(sorted(allowed)) or "none"
        raise ValueError(f"{'; '.join(problems)} (a {audience} may hold: {choices})")
    return given

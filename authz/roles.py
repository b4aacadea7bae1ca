"""The role vocabulary, per audience. Roles live on memberships and keys, and arrive on the Principal."""

from __future__ import annotations

from authz.principal import Audience

PLATFORM_ADMIN = "platform_admin"
OWNER, ADMIN, CHANNEL_MANAGER, SALES_MANAGER, SALES_REP, SUPPORT = (
    "owner",
    "admin",
    "channel_manager",
    "sales_manager",
    "sales_rep",
    "support",
)
PARTNER_ADMIN, PARTNER_REP = "partner_admin", "partner_rep"
CUSTOMER_USER = "customer_user"
SYSTEM = "system"

ROLES_BY_AUDIENCE: dict[Audience, frozenset[str]] = {
    Audience.PLATFORM: frozenset({PLATFORM_ADMIN}),
    Audience.VENDOR: frozenset({OWNER, ADMIN, CHANNEL_MANAGER, SALES_MANAGER, SALES_REP, SUPPORT}),
    Audience.PARTNER: frozenset({PARTNER_ADMIN, PARTNER_REP}),
    Audience.CUSTOMER: frozenset({CUSTOMER_USER}),
    Audience.SYSTEM: frozenset({SYSTEM}),
}
ALL_ROLES = frozenset().union(*ROLES_BY_AUDIENCE.values())


def validate_roles(audience: Audience, roles: frozenset[str]) -> frozenset[str]:
    """`roles` if every one belongs to `audience`; else ValueError naming the strangers."""
    allowed = ROLES_BY_AUDIENCE.get(audience, frozenset())
    strangers = sorted(set(roles) - allowed)
    if strangers:
        raise ValueError(f"not {audience} roles: {', '.join(strangers)} (allowed: {', '.join(sorted(allowed))})")
    return frozenset(roles)

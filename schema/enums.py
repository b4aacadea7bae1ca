"""Enumerations shared by several domains' types and inputs (values are the database's)."""

from __future__ import annotations

import enum

import strawberry

from tenants.errors import BadInput


@strawberry.enum
class PartnerKind(enum.Enum):
    RESELLER = "reseller"
    DISTRIBUTOR = "distributor"
    REFERRAL = "referral"
    MSP = "msp"
    SI = "si"


@strawberry.enum
class PartnerStatus(enum.Enum):
    PROSPECT = "prospect"
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


@strawberry.enum
class LifecycleStage(enum.Enum):
    LEAD = "lead"
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    CHURNED = "churned"


@strawberry.enum
class DealSource(enum.Enum):
    DIRECT = "direct"
    PARTNER_SOURCED = "partner_sourced"
    PARTNER_INFLUENCED = "partner_influenced"


@strawberry.enum
class DealStatus(enum.Enum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


@strawberry.enum
class StageKind(enum.Enum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


@strawberry.enum
class ActivityKind(enum.Enum):
    NOTE = "note"
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    TASK = "task"


@strawberry.enum
class MemberAudience(enum.Enum):
    VENDOR = "vendor"
    PARTNER = "partner"
    CUSTOMER = "customer"


def value(member: enum.Enum | None) -> str | None:
    return None if member is None else member.value


MAX_NESTED = 100


def nested_limit(first: int) -> int:
    """Nested lists take `first` (default 20), at most 100."""
    if first < 0 or first > MAX_NESTED:
        raise BadInput(f"first must be between 0 and {MAX_NESTED}", field="first")
    return first

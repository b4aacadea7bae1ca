"""The one description of a caller that every layer below the edge receives."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field


class Audience(enum.StrEnum):
    ANONYMOUS = "anonymous"
    PLATFORM = "platform"
    VENDOR = "vendor"
    PARTNER = "partner"
    CUSTOMER = "customer"
    # Internal work inside one tenant (relay, conflict checks, scheduled jobs).
    # Never derived from a client's credentials.
    SYSTEM = "system"
    # The edge reading one user's membership or one API key while it authenticates a request;
    # row policies let it see exactly that row. Never the audience of a request.
    AUTHN = "authn"


TENANT_AUDIENCES = frozenset({Audience.VENDOR, Audience.PARTNER, Audience.CUSTOMER})


@dataclass(frozen=True, slots=True)
class Principal:
    audience: Audience
    user_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    partner_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    api_key_id: str | None = None
    # The tenant's authorization policy version (keys decision and plan caches).
    policy_version: int = 1

    def __post_init__(self) -> None:
        if self.audience is Audience.AUTHN:
            pass
        elif self.audience in TENANT_AUDIENCES or self.audience is Audience.SYSTEM:
            if self.tenant_id is None:
                raise ValueError(f"a {self.audience} principal needs a tenant")
        elif self.tenant_id is not None:
            raise ValueError(f"a {self.audience} principal has no tenant")
        if self.audience is Audience.PARTNER and self.partner_id is None:
            raise ValueError("a partner principal needs a partner id")
        if self.audience is Audience.CUSTOMER and self.customer_id is None:
            raise ValueError("a customer principal needs a customer id")

    @classmethod
    def anonymous(cls) -> Principal:
        return cls(Audience.ANONYMOUS)

    @classmethod
    def platform(cls, user_id: uuid.UUID | None) -> Principal:
        return cls(Audience.PLATFORM, user_id=user_id, roles=frozenset({"platform_admin"}))

    @classmethod
    def system(cls, tenant_id: uuid.UUID) -> Principal:
        return cls(Audience.SYSTEM, tenant_id=tenant_id, roles=frozenset({"system"}))

    @classmethod
    def authn(
        cls, tenant_id: uuid.UUID | None, *, user_id: uuid.UUID | None = None, api_key_id: str | None = None
    ) -> Principal:
        return cls(Audience.AUTHN, user_id=user_id, tenant_id=tenant_id, api_key_id=api_key_id)

    def require_tenant(self) -> uuid.UUID:
        """The tenant this principal acts in; ValueError if it has none (anonymous, platform, tenantless authn)."""
        if self.tenant_id is None:
            raise ValueError(f"a {self.audience} principal has no tenant")
        return self.tenant_id

    @property
    def is_authenticated(self) -> bool:
        return self.audience is not Audience.ANONYMOUS

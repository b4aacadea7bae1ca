"""Domain errors. The GraphQL layer maps each to an `extensions.code` (docs/architecture.md, rule 6)."""

from __future__ import annotations


class DomainError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """Unknown, another tenant's, or outside the caller's scope: indistinguishable on purpose."""

    code = "NOT_FOUND"


class BadInput(DomainError):
    code = "BAD_USER_INPUT"


class Conflict(DomainError):
    """A stale version, a duplicate natural key, or a state that forbids the change."""

    code = "CONFLICT"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class RateLimited(DomainError):
    """Too many requests of one kind from one client; try again later."""

    code = "RATE_LIMITED"

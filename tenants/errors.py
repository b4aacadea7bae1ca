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


# What a failed statement says about the request (SQLSTATE -> the client's error), for the statements whose
# failure is the caller's mistake: a value the database refuses, a row out of the caller's reach, a
# duplicate. Anything else is a real fault and stays INTERNAL. Messages name no other tenant's rows.
_BY_SQLSTATE: dict[str, tuple[type[DomainError], str]] = {
    "42501": (Forbidden, "you may not make this change"),  # a row the caller's row policies do not allow
    "23503": (NotFound, "a referenced object does not exist"),  # as if it did not: another tenant's is absent
    "23505": (Conflict, "this already exists"),
    "23514": (BadInput, "a value is not allowed here"),
    "23502": (BadInput, "a required value is missing"),
    "22001": (BadInput, "a value is too long"),
    "22003": (BadInput, "a number is out of range"),
    "22007": (BadInput, "a date or time is malformed"),
    "22008": (BadInput, "a date or time is out of range"),
    "22P02": (BadInput, "a value is malformed"),
    "22021": (BadInput, "text holds a character that is not allowed"),
    "22P05": (BadInput, "text holds a character that is not allowed"),
    "2202E": (BadInput, "an array value is malformed"),
}


def from_database(error: BaseException) -> DomainError | None:
    """The client's error for a database error it caused (`sqlalchemy.exc.DBAPIError` or the driver's own),
    or None for a real fault."""
    orig = getattr(error, "orig", error)
    state = getattr(orig, "sqlstate", None)
    found = _BY_SQLSTATE.get(state) if isinstance(state, str) else None
    if found is None:
        return None
    kind, message = found
    driver = getattr(orig, "__cause__", None) or orig
    column = getattr(driver, "column_name", None)
    constraint = getattr(driver, "constraint_name", None)
    table = getattr(driver, "table_name", None)
    named = column or _constraint_field(constraint, table)
    field = None if named is None else _client_name(named)
    return kind(message if field is None else f"{field}: {message}", field=field)


def _client_name(column: str) -> str:
    """`customer_id` -> `customerId`: fields are named as the client's arguments are."""
    head, *rest = column.split("_")
    return head + "".join(part.title() for part in rest)


def _constraint_field(constraint: str | None, table: str | None) -> str | None:
    """`ck_deals_amount` -> `amount`: the constraint naming convention names the column checked."""
    if not constraint or not table:
        return None
    for prefix in (f"ck_{table}_", f"uq_{table}_tenant_id_", f"fk_{table}_tenant_id_"):
        if constraint.startswith(prefix):
            return constraint[len(prefix) :] or None
    return None

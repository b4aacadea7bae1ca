"""Coded GraphQL errors (docs/architecture.md, rule 6) and the one place results' errors are shaped for clients.

Clients see a message and `extensions.code`; never a stack trace or SQL. Anything unexpected is
logged here with its traceback and reaches the client as `INTERNAL`.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from authz.errors import Forbidden as PolicyForbidden
from tenants.errors import DomainError, from_database

log = logging.getLogger("channelgraph.errors")

CODES = frozenset(
    {"UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "CONFLICT", "RATE_LIMITED", "INTERNAL"}
)


class CodedError(GraphQLError):
    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        assert code in CODES
        super().__init__(message, extensions={"code": code, **extensions})


def forbidden(message: str = "not allowed", **extensions: Any) -> CodedError:
    return CodedError(message, "FORBIDDEN", **extensions)


def unauthenticated(message: str = "authentication required") -> CodedError:
    return CodedError(message, "UNAUTHENTICATED")


def format_error(error: GraphQLError) -> dict[str, Any]:
    """The client's view of one error."""
    original = error.original_error
    code = (error.extensions or {}).get("code")
    message = error.message
    extensions: dict[str, Any] = dict(error.extensions or {})
    if isinstance(original, DomainError):
        code, message = original.code, original.message
        if original.field:
            extensions["field"] = original.field
    elif isinstance(original, PolicyForbidden):
        code, message = "FORBIDDEN", f"not allowed: {original}"
    elif original is not None and (refused := from_database(original)) is not None:
        code, message = refused.code, refused.message
        if refused.field:
            extensions["field"] = refused.field
    elif isinstance(original, GraphQLError) and (original.extensions or {}).get("code") in CODES:
        code = original.extensions["code"]
        message = original.message
    elif original is not None and not isinstance(original, GraphQLError):
        log.error("unexpected error in %s", error.path, exc_info=original)
        code, message = "INTERNAL", "internal error"
    elif code not in CODES:
        # Parse and validation errors, query limits: the document itself is wrong.
        code = "BAD_USER_INPUT"
    extensions["code"] = code
    shaped: dict[str, Any] = {"message": message, "extensions": extensions}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        shaped["path"] = list(error.path)
    return shaped

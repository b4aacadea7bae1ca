"""SQL spellings of what the resolver path computes in Python, so PostgreSQL builds identical JSON.

Each function returns an expression over a column expression; `row_to_json` then emits it. Scalars follow
Strawberry's serialisation: enums by name (the database value upper-cased), decimals as strings, times as
`datetime.isoformat()` in UTC (microseconds only when non-zero), global ids and cursors base64url without
padding. The differential test (tests/api/test_compiled_reads.py) holds both paths to the same output.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid

TENANT = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)"
_BASE64_LINE = 57  # PostgreSQL's base64 breaks lines after 76 characters, i.e. 57 input bytes


def ident(name: str) -> str:
    """A double-quoted identifier (response keys are GraphQL names: letters, digits, underscores)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def base64url(expr: str, *, may_wrap: bool = True) -> str:
    encoded = f"encode(convert_to({expr}, 'UTF8'), 'base64')"
    if may_wrap:
        encoded = f"replace({encoded}, E'\\n', '')"
    return f"rtrim(translate({encoded}, '+/', '-_'), '=')"


def global_id(type_name: str, id_expr: str) -> str:
    """`schema.relay.to_global_id` in SQL. The prefix's whole 3-byte groups encode to a constant, so only the
    prefix's last 0-2 bytes and the uuid are encoded per row (half the work of encoding it all)."""
    prefix = f"{type_name}:".encode()
    whole = len(prefix) // 3 * 3
    constant = base64.urlsafe_b64encode(prefix[:whole]).decode()
    rest = prefix[whole:].decode()
    variable = f"{literal(rest)} || {id_expr}::text" if rest else f"{id_expr}::text"
    encoded = f"translate(encode(convert_to({variable}, 'UTF8'), 'base64'), '+/', '-_')"
    if (len(rest) + 36) % 3:
        encoded = f"rtrim({encoded}, '=')"
    return f"{literal(constant)} || {encoded}" if constant else encoded


def timestamp(expr: str) -> str:
    """`datetime.isoformat()` of an aware UTC datetime."""
    utc = f"({expr} at time zone 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || case when date_trunc('second', {expr}) = {expr}"
        f" then '' else to_char({utc}, '.US') end || '+00:00')"
    )


def enum_name(expr: str) -> str:
    return f"upper({expr})"


def decimal_text(expr: str) -> str:
    return f"{expr}::text"


def date_text(expr: str) -> str:
    return f"to_char({expr}, 'YYYY-MM-DD')"


def date(expr: str) -> str:
    """A date as JSON is already `date.isoformat()`."""
    return expr


def cursor_part(expr: str, kind: type) -> str:
    """One value of `tenants.pagination.encode_cursor`'s JSON list (`str(v)`, or isoformat for times)."""
    if kind is dt.datetime:
        text = timestamp(expr)
    elif kind is dt.date:
        text = date_text(expr)
    elif kind in (uuid.UUID, decimal.Decimal, int):
        text = f"{expr}::text"
    else:
        text = expr
    return f"coalesce(to_json({text})::text, '\"None\"')"


def cursor(parts: list[str]) -> str:
    """`encode_cursor`: base64url of the compact JSON list of the sort key's values."""
    return base64url("'[' || " + " || ',' || ".join(parts) + " || ']'")

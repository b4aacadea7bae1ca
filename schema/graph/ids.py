"""Global ids: the unpadded base64url of `<Type>:<uuid>`, the uuid in its canonical lower-case form.

Defined once, spelled twice from the same format: in Python (`to_global_id`) and in SQL (`global_id_sql`, for
the compiled read path). Only the canonical spelling is accepted back, so ids compare equal as strings.
"""

from __future__ import annotations

import base64
import binascii
import uuid

import strawberry

from tenants.errors import NotFound


def _prefix(type_name: str) -> bytes:
    return f"{type_name}:".encode()


def to_global_id(type_name: str, id_: uuid.UUID) -> strawberry.ID:
    raw = _prefix(type_name) + str(id_).encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def from_global_id(global_id: str, expected: str | None = None) -> tuple[str, uuid.UUID]:
    """(type name, uuid). A malformed id, a spelling other than the canonical one, or one of another type is
    simply not found."""
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, _, value = raw.partition(":")
        parsed = uuid.UUID(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise NotFound("no such object") from None
    if to_global_id(type_name, parsed) != global_id:
        raise NotFound("no such object")
    if expected is not None and type_name != expected:
        raise NotFound(f"no such {expected}")
    return type_name, parsed


def optional_id(global_id: strawberry.ID | None, expected: str) -> uuid.UUID | None:
    return None if global_id is None else from_global_id(global_id, expected)[1]


def global_id_sql(type_name: str, id_expr: str) -> str:
    """`to_global_id` in SQL, over a uuid expression. The prefix's whole 3-byte groups encode to a constant, so
    only the prefix's last 0-2 bytes and the uuid are encoded per row (half the work of encoding it all)."""
    prefix = _prefix(type_name)
    whole = len(prefix) // 3 * 3
    constant = base64.urlsafe_b64encode(prefix[:whole]).decode()
    rest = prefix[whole:].decode()
    variable = f"'{rest}' || {id_expr}::text" if rest else f"{id_expr}::text"
    encoded = f"translate(encode(convert_to({variable}, 'UTF8'), 'base64'), '+/', '-_')"
    if (len(rest) + 36) % 3:
        encoded = f"rtrim({encoded}, '=')"
    return f"'{constant}' || {encoded}" if constant else encoded

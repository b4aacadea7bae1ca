"""Turning input objects into the plain changes services take: only fields the client sent."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import strawberry

from schema.relay import from_global_id

SKIPPED = frozenset({"id", "version"})


def provided(data: Any, *, ids: dict[str, str] | None = None) -> dict[str, Any]:
    """Fields of an input that were sent (UNSET ones are left out), ids decoded, enums to values.

    `ids` maps a field name to the type its global id must name.
    """
    ids = ids or {}
    out: dict[str, Any] = {}
    for field in dataclasses.fields(data):
        if field.name in SKIPPED:
            continue
        raw = getattr(data, field.name)
        if raw is strawberry.UNSET:
            continue
        if field.name in ids and raw is not None:
            raw = from_global_id(raw, ids[field.name])[1]
        elif isinstance(raw, enum.Enum):
            raw = raw.value
        out[field.name] = raw
    return out

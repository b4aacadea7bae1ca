"""Python's text forms of values, spelled in SQL, so PostgreSQL writes exactly what Python would.

`isoformat` of an aware UTC datetime (microseconds only when non-zero) and of a date, `str()` of uuids,
decimals and integers, unpadded base64url and JSON strings. Used where the database builds text that Python
also reads or compares: cursors (`tenants.pagination`), and the compiled read path's JSON. Constants are
spelled as SQL literals, not parameters, so an expression compiles to the same text wherever it is used.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from sqlalchemy import ColumnElement, Text, case, cast, func, literal_column


def constant(text: str) -> ColumnElement[str]:
    """A string constant of ours (never a client's value) as a SQL literal."""
    return literal_column("'" + text.replace("'", "''") + "'", Text)


def timestamp(expr: ColumnElement[Any]) -> ColumnElement[str]:
    """`datetime.isoformat()` of an aware datetime, in UTC."""
    utc = func.timezone(constant("UTC"), expr)
    fraction = case(
        (func.date_trunc(constant("second"), expr) == expr, constant("")), else_=func.to_char(utc, constant(".US"))
    )
    return func.to_char(utc, constant('YYYY-MM-DD"T"HH24:MI:SS')).concat(fraction).concat(constant("+00:00"))


def date(expr: ColumnElement[Any]) -> ColumnElement[str]:
    """`date.isoformat()`."""
    return func.to_char(expr, constant("YYYY-MM-DD"))


def text_of(expr: ColumnElement[Any], kind: type) -> ColumnElement[str]:
    """`str(value)` (or isoformat for dates and times) of a column of Python type `kind`."""
    if kind is dt.datetime:
        return timestamp(expr)
    if kind is dt.date:
        return date(expr)
    if kind in (uuid.UUID, decimal.Decimal, int):
        return cast(expr, Text)
    return expr


def base64url(expr: ColumnElement[str]) -> ColumnElement[str]:
    """Unpadded URL-safe base64 of the text's UTF-8 bytes (PostgreSQL's base64 breaks lines: joined again)."""
    encoded = func.encode(func.convert_to(expr, constant("UTF8")), constant("base64"))
    joined = func.replace(encoded, literal_column("E'\\n'", Text), constant(""))
    return func.rtrim(func.translate(joined, constant("+/"), constant("-_")), constant("="))


def json_string(expr: ColumnElement[str]) -> ColumnElement[str]:
    """The value as a JSON string (null as the string "None", which is what `str(None)` writes)."""
    return func.coalesce(cast(func.to_json(expr), Text), constant('"None"'))

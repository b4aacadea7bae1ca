"""Relay plumbing: opaque global ids, the Node interface, connections and page info."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from schema.loaders import load_one
from tenants.errors import NotFound
from tenants.pagination import Page, PageRequest, count, fetch_page

T = TypeVar("T")


def to_global_id(type_name: str, id_: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{id_}".encode()).decode().rstrip("="))


def from_global_id(global_id: str, expected: str | None = None) -> tuple[str, uuid.UUID]:
    """(type name, uuid). A malformed id, or one of another type, is simply not found."""
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, _, value = raw.partition(":")
        parsed = uuid.UUID(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise NotFound("no such object") from None
    if expected is not None and type_name != expected:
        raise NotFound(f"no such {expected}")
    return type_name, parsed


def optional_id(global_id: strawberry.ID | None, expected: str) -> uuid.UUID | None:
    return None if global_id is None else from_global_id(global_id, expected)[1]


@strawberry.interface(description="An object with an opaque, globally unique id.")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Rows matching the filters within the caller's scope, on every page.")
    async def total_count(self) -> int:
        return await self._count()

    @classmethod
    def of(cls, page: Page, convert: Callable[[Any], T], count: Callable[[], Awaitable[int]]) -> Connection[T]:
        edges = [Edge(cursor=c, node=convert(row)) for row, c in zip(page.rows, page.cursors, strict=True)]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            _count=count,
        )


def page_request(first: int | None, after: str | None, last: int | None, before: str | None) -> PageRequest:
    return PageRequest(first=first, after=after, last=last, before=before)


async def connection(
    info: Any,
    query: Any,
    order: list,
    convert: Callable[[Any], T],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[T]:
    """A page of `query` in `order`, read in the request's transaction, with a lazy `totalCount`."""
    db = info.context.db
    request = page_request(first, after, last, before)
    async with db.reading() as session:
        page = await fetch_page(session, query, order, request)

    async def total() -> int:
        async with db.reading() as session:
            return await count(session, query)

    return Connection.of(page, convert, total)


async def lookup(info: Any, model: type, global_id: str, type_name: str, convert: Callable[[Any], T]) -> T:
    """One object by global id; absent, another tenant's or out of scope are the same NOT_FOUND."""
    _, id_ = from_global_id(global_id, type_name)
    row = await load_one(info.context, model, id_)
    if row is None:
        raise NotFound(f"no such {type_name}")
    return convert(row)

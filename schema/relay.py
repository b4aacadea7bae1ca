"""Relay plumbing: the Node interface, connections and page info, and the global ids they carry
(`schema.graph.ids`). Plumbing shows only what its nodes' own declarations allow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from schema.graph.entities import interface, plain
from schema.graph.ids import from_global_id, optional_id, to_global_id
from schema.graph.readers import ANYONE
from tenants.pagination import Page

T = TypeVar("T")

__all__ = ["Connection", "Edge", "Node", "PageInfo", "from_global_id", "optional_id", "to_global_id"]


@interface(readers=ANYONE, description="An object with an opaque, globally unique id.")
class Node:
    id: strawberry.ID


@plain(readers=ANYONE)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@plain(readers=ANYONE)
class Edge(Generic[T]):
    cursor: str
    node: T


@plain(readers=ANYONE)
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

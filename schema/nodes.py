"""`node(id)` and `nodes(ids)`: any object by global id, through the same loaders and row policies.

Every declared node entity resolves (`schema.graph.entities.ENTITIES`), needing its own read action.
"""

from __future__ import annotations

import asyncio

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from schema.errors import forbidden
from schema.graph.entities import ENTITIES
from schema.graph.ids import from_global_id
from schema.graph.loaders import load_one
from schema.permissions import Authenticated
from schema.relay import Node
from tenants.errors import BadInput, DomainError, NotFound

MAX_NODES = 100


async def resolve_node(info: Info, global_id: str) -> Node:
    type_name, id_ = from_global_id(global_id)
    entity = ENTITIES.get(type_name)
    if entity is None or not entity.node or entity.action is None:
        raise NotFound("no such object")
    if not info.context.allows(entity.action):
        raise forbidden(f"not allowed: {entity.action}", action=str(entity.action))
    row = await load_one(info.context, entity.model, id_)
    if row is None:
        raise NotFound("no such object")
    return entity.of(row)


@strawberry.type
class NodeQuery:
    """By the Relay specification: `node` is nullable and `nodes` a list of nullable nodes. An id that finds
    nothing (absent, another tenant's, out of scope) is null with a NOT_FOUND error at its path, and an id of a
    type the caller may not read null with FORBIDDEN; the operation's other fields are unaffected."""

    @strawberry.field(permission_classes=[Authenticated], description="Any object by its global id; null if not found.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        permission_classes=[Authenticated], description="Objects by global id, in order; null where not found."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadInput(f"at most {MAX_NODES} ids", field="ids")
        found = await asyncio.gather(*(resolve_node(info, i) for i in ids), return_exceptions=True)
        for result in found:
            if isinstance(result, BaseException) and not isinstance(result, DomainError | GraphQLError):
                raise result
        # graphql-core raises an Exception item at its own path: that entry is null, with its error.
        return list(found)  # type: ignore[arg-type]

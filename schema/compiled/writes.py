"""Compiled writes: a mutation whose one root field declares a lean write (`schema.graph.writes`) runs in one
read-write transaction on the driver connection — the identity round, the write's statements, the payload
read compiled like a read (`Planner.payload`), commit — and its JSON is spliced into the response.

The document was parsed and validated by the compiled read path's cache (per text and masked set). Anything
this path does not answer returns None before anything is committed, and the resolver path answers it in a
transaction of its own — the reference answer, errors included: an action the caller lacks, an argument the
resolver would refuse, a failed check (the write raises, its transaction rolls back), a payload the caller
cannot read back, a selection the planner cannot compile, several root fields.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import orjson
import strawberry
from graphql import FieldNode, GraphQLError, GraphQLField, OperationDefinitionNode

from schema.compiled import sql
from schema.compiled.planner import Planner, Unsupported
from schema.context import Context
from schema.errors import format_error
from schema.graph.visibility import spec_of
from schema.graph.writes import LeanWrite

log = logging.getLogger("channelgraph.compiled")
_UNSUPPORTED = object()


@dataclass(frozen=True)
class WritePlan:
    key: str
    field: GraphQLField
    node: FieldNode
    write: LeanWrite
    payload: str  # the payload's statement, `$1` the written row's id


class _NotAnswered(Exception):
    """Roll the write back: the resolver path answers this request."""


class CompiledWrites:
    def __init__(self, schema: strawberry.Schema) -> None:
        self.schema = schema

    def plan(self, operation: OperationDefinitionNode, planner: Planner) -> WritePlan | None:
        mutation_type = self.schema._schema.mutation_type
        if mutation_type is None:
            return None
        roots = planner.collect(mutation_type, [operation.selection_set])
        if len(roots) != 1:
            return None
        ((key, nodes),) = roots.items()
        field = mutation_type.fields.get(nodes[0].name.value)
        write = spec_of(field) if field is not None else None
        if field is None or not isinstance(write, LeanWrite) or len(nodes) != 1:
            return None
        try:
            return WritePlan(key, field, nodes[0], write, planner.payload(field, nodes))
        except Unsupported as reason:
            log.debug("resolver path for %s: %s", key, reason)
            return None

    async def execute(self, plan: WritePlan, planner: Planner, context: Context) -> bytes | None:
        """The response body, or None when the resolver path must answer (nothing was committed)."""
        if not all(context.allows(action) for action in Planner.actions(plan.field)):
            return None
        try:
            arguments = planner.arguments(plan.field, plan.node)
        except Exception as error:  # the resolver path reports it
            log.debug("lean write not bound, resolver path answers: %s", error)
            return None
        step = "begin"
        try:
            async with context.db.driver_writing() as driver:
                step = "write"
                written = await plan.write.run(driver, context.principal, arguments)
                payload = sql.bind_tenant(plan.payload, 1)  # the tenant as a value, as reads bind it
                text = await driver.fetchval(payload, written, context.principal.tenant_id)
                if text is None:
                    raise _NotAnswered
                step = "commit"
        except Exception as error:
            if step != "commit":  # rolled back: the resolver path answers, and reports, in its own transaction
                log.debug("lean write not answered, resolver path answers: %s", error)
                return None
            # The commit's outcome is unknown: never run the mutation a second time.
            located = GraphQLError(str(error), [plan.node], path=[plan.key], original_error=error)
            return orjson.dumps({"errors": [format_error(located)], "data": None})
        return b'{"data":{' + orjson.dumps(plan.key) + b":" + text.encode() + b"}}"

"""The GraphQL endpoint: GET (queries) and POST /graphql by GraphQL over HTTP (`gateway/http_requests.py`),
GraphiQL on a browser's GET in development mode only (`gateway/graphiql.py`)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, OperationType
from starlette.requests import Request
from starlette.responses import Response

from gateway import http_requests
from gateway.graphiql import GraphiQL
from gateway.http_requests import GraphQLRequest, Refused
from gateway.observability import note_operation
from gateway.policies import PolicyStore
from schema.compiled.reads import CompiledReads
from schema.context import Context, RequestDatabase, Services
from schema.errors import format_error

log = logging.getLogger("channelgraph.graphql")


def _outcome(errors: list[dict[str, Any]] | None) -> str:
    """What the metrics call a request's outcome: `ok`, or the first error's code."""
    if not errors:
        return "ok"
    return str(errors[0].get("extensions", {}).get("code", "error"))


class GraphQLEndpoint:
    def __init__(
        self,
        schema: strawberry.Schema,
        services: Services,
        policies: PolicyStore,
        compiled: CompiledReads | None = None,
        *,
        max_tokens: int = 4000,
        graphiql: GraphiQL | None = None,
    ) -> None:
        self.schema = schema
        self.compiled = compiled
        self.services = services
        self.policies = policies
        self.max_tokens = max_tokens
        self.graphiql = graphiql

    async def handle(self, request: Request) -> Response:
        if request.method == "GET" and self.graphiql is not None and http_requests.wants_html(request):
            return self.graphiql.page()
        media = http_requests.JSON
        try:
            media = http_requests.media_type(request)
            graphql_request = await http_requests.read(request)
            kind = http_requests.operation_kind(
                http_requests.operations(graphql_request.query, self.max_tokens), graphql_request.operation_name
            )
            if request.method == "GET" and kind not in (None, OperationType.QUERY):
                raise Refused(405, f"GET runs queries only: send a {kind.value} with POST", allow="POST")
        except Refused as refused:
            return Response(refused.body(), refused.status, headers=refused.headers, media_type=media)
        except GraphQLError as error:  # no operation, or several, for the operationName given
            shaped = [format_error(error)]
            return _answer(media, orjson.dumps({"errors": shaped}), shaped, executed=False, empty=True)
        return await self.execute(request, graphql_request, media)

    async def execute(self, request: Request, graphql_request: GraphQLRequest, media: str) -> Response:
        principal = request.scope["principal"]
        decisions = await self.policies.decisions(principal)
        context = Context(principal, decisions, RequestDatabase(self.services.sessions, principal), self.services)
        context.client = request.client.host if request.client else None
        query, variables, operation = graphql_request.query, graphql_request.variables, graphql_request.operation_name
        try:
            if self.compiled is not None:
                answer = await self.compiled.execute(query, variables, operation, context)
                if answer is not None:
                    note_operation(request.scope, operation, query, "compiled", _outcome(answer.errors))
                    return _answer(media, answer.body, answer.errors, executed=answer.executed, empty=answer.empty)
            result = await self.schema.execute(
                query, variable_values=variables, context_value=context, operation_name=operation
            )
        finally:
            await context.db.close()
        errors = [format_error(error) for error in result.errors or ()]
        # A request error (the document, the operation or the variables are wrong) stops before execution:
        # then the response has no `data`. Once execution began it has `data`, null or not.
        executed = result.data is not None or any(error.path for error in result.errors or ())
        response: dict[str, Any] = {}
        if errors:
            response["errors"] = errors
        note_operation(request.scope, operation, query, "resolver", _outcome(errors))
        if executed:
            response["data"] = result.data
        return _answer(media, orjson.dumps(response), errors, executed=executed, empty=result.data is None)


def _answer(media: str, body: bytes, errors: list[dict[str, Any]] | None, *, executed: bool, empty: bool) -> Response:
    status = http_requests.status(media, errors, executed, empty)
    headers = {"www-authenticate": 'Bearer realm="channelgraph"'} if status == 401 else None
    return Response(body, status, headers=headers, media_type=media)

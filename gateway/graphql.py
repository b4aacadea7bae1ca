"""The GraphQL endpoint: POST /graphql (JSON), GraphiQL on GET in development mode only."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import strawberry
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.http.ides import get_graphql_ide_html

from gateway.observability import note_operation
from gateway.policies import PolicyStore
from schema.compiled.reads import CompiledReads
from schema.context import Context, RequestDatabase, Services
from schema.errors import format_error

log = logging.getLogger("channelgraph.graphql")
MAX_BODY = 1_000_000


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _bad_request(message: str) -> Response:
    return _json(400, {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]})


def _first_code(body: bytes) -> str:
    """The first error's code of an answer the compiled path gave (only answers with errors are parsed)."""
    errors = orjson.loads(body).get("errors") or [{}]
    return str(errors[0].get("extensions", {}).get("code", "error"))


class GraphQLEndpoint:
    def __init__(
        self,
        schema: strawberry.Schema,
        services: Services,
        policies: PolicyStore,
        compiled: CompiledReads | None = None,
    ) -> None:
        self.schema = schema
        self.compiled = compiled
        self.services = services
        self.policies = policies

    async def handle(self, request: Request) -> Response:
        if request.method == "GET":
            if self.services.dev:
                return HTMLResponse(get_graphql_ide_html("graphiql"))
            return Response(status_code=405, headers={"allow": "POST"})
        return await self.post(request)

    async def post(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return _json(413, {"errors": [{"message": "request too large", "extensions": {"code": "BAD_USER_INPUT"}}]})
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _bad_request("the body must be JSON: {query, variables, operationName}")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return _bad_request("the body must be JSON with a 'query' string")
        variables = payload.get("variables")
        operation = payload.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            return _bad_request("'variables' must be an object")
        if operation is not None and not isinstance(operation, str):
            return _bad_request("'operationName' must be a string")
        principal = request.scope["principal"]
        decisions = await self.policies.decisions(principal)
        context = Context(principal, decisions, RequestDatabase(self.services.sessions, principal), self.services)
        context.client = request.client.host if request.client else None
        try:
            if self.compiled is not None:
                body = await self.compiled.execute(payload["query"], variables, operation, context)
                if body is not None:
                    outcome = _first_code(body) if body.startswith(b'{"errors"') else "ok"
                    note_operation(request.scope, operation, payload["query"], "compiled", outcome)
                    return Response(body, media_type="application/json")
            result = await self.schema.execute(
                payload["query"], variable_values=variables, context_value=context, operation_name=operation
            )
        finally:
            await context.db.close()
        response: dict[str, Any] = {}
        outcome = "ok"
        if result.errors:
            response["errors"] = [format_error(error) for error in result.errors]
            outcome = str(response["errors"][0].get("extensions", {}).get("code", "error"))
        note_operation(request.scope, operation, payload["query"], "resolver", outcome)
        response["data"] = result.data
        # Every GraphQL result, errors included, is a 200 with coded errors; 4xx is for broken HTTP.
        return _json(200, response)

"""GraphQL over HTTP, by the specification: reading a request and choosing how to answer it.

A request is GET (parameters in the query string; queries only) or POST with an `application/json` body
`{query, variables, operationName, extensions}`; anything else is refused here with a 4xx and a coded error
before GraphQL runs. The response's media type follows the client's `Accept`:
`application/graphql-response+json` when asked for (its status codes say what happened: 400 for a request
error, 401/403 when that error is only about who the caller is, 200 once execution began), otherwise
`application/json` (always 200 for a well-formed request, as the specification requires for that type).
No `Accept`, or `*/*`, is `application/json`. docs/architecture.md, "GraphQL over HTTP".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MAX_BODY = 1_000_000
_CACHED_DOCUMENT = 20_000  # characters: longer documents are parsed again rather than kept


class Refused(Exception):
    """A request this endpoint will not run: its status, message, code and extra headers."""

    def __init__(self, status: int, message: str, code: str = "BAD_USER_INPUT", **headers: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.headers = {name.replace("_", "-"): value for name, value in headers.items()}

    def body(self) -> bytes:
        return orjson.dumps({"errors": [{"message": self.message, "extensions": {"code": self.code}}]})


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] | None = field(default=None)


def media_type(request: Request) -> str:
    """The response's media type from `Accept` (highest quality first; ties go to the GraphQL type)."""
    return negotiate(request.headers.get("accept"))


def negotiate(header: str | None) -> str:
    if not header:
        return JSON
    best: tuple[float, int, str] | None = None
    for item in header.split(","):
        kind, _, parameters = item.strip().partition(";")
        kind = kind.strip().lower()
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if kind == GRAPHQL_RESPONSE:
            candidate = (quality, 1, GRAPHQL_RESPONSE)
        elif kind in (JSON, "application/*", "*/*"):
            candidate = (quality, 0, JSON)
        else:
            continue
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None:
        raise Refused(406, f"cannot answer as {header!r}: accept {GRAPHQL_RESPONSE} or {JSON}", accept=JSON)
    return best[2]


def wants_html(request: Request) -> bool:
    """A browser asking for a page (GraphiQL), not a GraphQL client."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept.lower() and not request.query_params


async def read(request: Request) -> GraphQLRequest:
    """The request's parameters, or Refused with what is wrong with them."""
    if request.method == "GET":
        params = request.query_params
        for name in params:
            if len(params.getlist(name)) > 1:
                raise Refused(400, f"the parameter {name!r} is given more than once")
        return _parameters(
            {
                "query": params.get("query"),
                "variables": _json_parameter(params.get("variables"), "variables"),
                "operationName": params.get("operationName"),
                "extensions": _json_parameter(params.get("extensions"), "extensions"),
            }
        )
    if request.method != "POST":
        raise Refused(405, f"{request.method} is not GraphQL over HTTP: use GET or POST", allow="GET, POST")
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != JSON:
        raise Refused(415, f"a POST body must be {JSON} (got {content_type or 'no content type'!r})", accept_post=JSON)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Refused(413, f"the body is larger than {MAX_BODY} bytes")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Refused(400, "the body is not JSON: send {query, variables, operationName}") from None
    if isinstance(payload, list):
        raise Refused(400, "batched requests (a JSON array) are not supported: send one request per POST")
    if not isinstance(payload, dict):
        raise Refused(400, "the body must be a JSON object {query, variables, operationName}")
    return _parameters(payload)


def _json_parameter(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Refused(400, f"the parameter {name!r} must be JSON") from None


def _parameters(payload: dict[str, Any]) -> GraphQLRequest:
    query = payload.get("query")
    if query is None or query == "":
        raise Refused(400, "the request has no 'query'")
    if not isinstance(query, str):
        raise Refused(400, "'query' must be a string")
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise Refused(400, "'variables' must be an object")
    operation = payload.get("operationName")
    if operation is not None and not isinstance(operation, str):
        raise Refused(400, "'operationName' must be a string")
    extensions = payload.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise Refused(400, "'extensions' must be an object")
    return GraphQLRequest(query, variables, operation or None, extensions)


@dataclass(frozen=True)
class Operations:
    """A document's operations by name (None for an anonymous one); None when it does not parse."""

    kinds: tuple[tuple[str | None, OperationType], ...] | None


def operations(query: str, max_tokens: int) -> Operations:
    if len(query) > _CACHED_DOCUMENT:
        return _operations(query, max_tokens)
    return _cached_operations(query, max_tokens)


@functools.lru_cache(maxsize=1024)
def _cached_operations(query: str, max_tokens: int) -> Operations:
    return _operations(query, max_tokens)


def _operations(query: str, max_tokens: int) -> Operations:
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return Operations(None)  # GraphQL answers the syntax error itself
    return Operations(
        tuple(
            (definition.name.value if definition.name else None, definition.operation)
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        )
    )


def operation_kind(found: Operations, name: str | None) -> OperationType | None:
    """The kind of the operation `name` picks, None for a document that does not parse; a GraphQLError
    (a request error) when none or several match."""
    if found.kinds is None:
        return None
    if name is None:
        if len(found.kinds) != 1:
            raise GraphQLError("the document has several operations: name one with 'operationName'")
        return found.kinds[0][1]
    for candidate, kind in found.kinds:
        if candidate == name:
            return kind
    raise GraphQLError(f"the document has no operation named {name!r}")


def status(media: str, errors: list[dict[str, Any]] | None, executed: bool, empty: bool) -> int:
    """The status of a GraphQL response. `application/json`: always 200. The GraphQL media type: 200 when data
    came back; 401/403/429 when nothing did and every error is about who is asking (no credentials for a
    protected operation, a role without the action, too many requests) — the request was not the caller's
    to make; 400 for any other request error (the document, the operation or the variables are wrong)."""
    if media == JSON or not errors or (executed and not empty):
        return 200
    codes = {(error.get("extensions") or {}).get("code") for error in errors}
    if codes == {"UNAUTHENTICATED"}:
        return 401
    if codes == {"FORBIDDEN"}:
        return 403
    if codes == {"RATE_LIMITED"}:
        return 429
    return 200 if executed else 400

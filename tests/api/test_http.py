"""GraphQL over HTTP, by the specification: malformed and unusual requests, each answered with its status,
media type and error code, on both read paths (compiled reads on: `client`; off: `reference`), and nothing
they carry runs. docs/architecture.md, "GraphQL over HTTP"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from schema.relay import to_global_id
from tests.world import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="session")

JSON = "application/json"
GQL = "application/graphql-response+json"
VIEWER = "{ viewer { roles } }"
TWO = "query A { viewer { roles } } query B { viewer { audience } }"
CREATE = 'mutation { createPartner(input: {name: "Via GET", kind: RESELLER}) { partner { id } } }'
MIXED = "query Read { viewer { roles } } " + CREATE.replace("mutation", "mutation Write", 1)
DEALS = "{ deals(first: 1) { totalCount } }"


@dataclass(frozen=True)
class Case:
    name: str
    method: str = "POST"
    body: Any = None  # a dict or list is sent as JSON; bytes as they are
    params: dict[str, str] | None = None  # GET's query string
    content_type: str | None = JSON
    persona: str | None = "owner"  # None: no credentials
    authorization: str | None = None
    # Per media type asked for (None: no Accept header), the status wanted.
    status: dict[str | None, int] = field(default_factory=dict)
    code: str | None = "BAD_USER_INPUT"  # every error's code; None: no errors
    data: bool = False  # the response has `data`
    headers: dict[str, str] = field(default_factory=dict)


def request_error(**status: int) -> dict[str | None, int]:
    """A request error: 200 as application/json (the specification's rule for that type), 400 as GraphQL."""
    return {None: 200, JSON: 200, GQL: 400} | {k: v for k, v in status.items()}


def refused(status: int) -> dict[str | None, int]:
    return {None: status, JSON: status, GQL: status}


CASES = [
    Case("unknown operation name", body={"query": TWO, "operationName": "C"}, status=request_error()),
    Case(
        "unknown name, one operation",
        body={"query": "query A { viewer { roles } }", "operationName": "B"},
        status=request_error(),
    ),
    Case("several operations, none named", body={"query": TWO}, status=request_error()),
    Case(
        "several operations, one named",
        body={"query": TWO, "operationName": "B"},
        status=refused(200),
        code=None,
        data=True,
    ),
    Case(
        "operationName null picks the only one",
        body={"query": VIEWER, "operationName": None},
        status=refused(200),
        code=None,
        data=True,
    ),
    Case(
        "GET with a query",
        method="GET",
        params={"query": VIEWER},
        content_type=None,
        status=refused(200),
        code=None,
        data=True,
    ),
    Case(
        "GET with variables",
        method="GET",
        params={"query": "query($n: Int) { deals(first: $n) { totalCount } }", "variables": '{"n": 1}'},
        content_type=None,
        status=refused(200),
        code=None,
        data=True,
    ),
    Case(
        "GET with a mutation",
        method="GET",
        params={"query": CREATE},
        content_type=None,
        status=refused(405),
        headers={"allow": "POST"},
    ),
    Case(
        "GET naming the mutation of two",
        method="GET",
        params={"query": MIXED, "operationName": "Write"},
        content_type=None,
        status=refused(405),
    ),
    Case(
        "GET naming the query of two",
        method="GET",
        params={"query": MIXED, "operationName": "Read"},
        content_type=None,
        status=refused(200),
        code=None,
        data=True,
    ),
    Case("GET without a query", method="GET", params={}, content_type=None, status=refused(400)),
    Case(
        "GET with variables not JSON",
        method="GET",
        params={"query": VIEWER, "variables": "{n: 1"},
        content_type=None,
        status=refused(400),
    ),
    Case(
        "GET with a parameter twice",
        method="GET",
        params={"query": [VIEWER, VIEWER]},  # type: ignore[dict-item]
        content_type=None,
        status=refused(400),
    ),
    Case("text/plain body", body=orjson.dumps({"query": VIEWER}), content_type="text/plain", status=refused(415)),
    Case(
        "form body",
        body=b"query=%7B%20viewer%20%7B%20roles%20%7D%20%7D",
        content_type="application/x-www-form-urlencoded",
        status=refused(415),
    ),
    Case("no content type", body=orjson.dumps({"query": VIEWER}), content_type=None, status=refused(415)),
    Case(
        "JSON with a charset",
        body=orjson.dumps({"query": VIEWER}),
        content_type="application/json; charset=utf-8",
        status=refused(200),
        code=None,
        data=True,
    ),
    Case("batched body", body=[{"query": VIEWER}, {"query": VIEWER}], status=refused(400)),
    Case("missing query", body={"variables": {}}, status=refused(400)),
    Case("empty query", body={"query": ""}, status=refused(400)),
    Case("query not a string", body={"query": 5}, status=refused(400)),
    Case("variables not an object", body={"query": VIEWER, "variables": [1]}, status=refused(400)),
    Case("operationName not a string", body={"query": VIEWER, "operationName": 7}, status=refused(400)),
    Case("extensions not an object", body={"query": VIEWER, "extensions": "x"}, status=refused(400)),
    Case("body not JSON", body=b"{not json", status=refused(400)),
    Case("body a JSON string", body=b'"{ viewer { roles } }"', status=refused(400)),
    Case("body too large", body=b'{"query": "' + b" " * 1_000_001 + b'{ viewer { roles } }"}', status=refused(413)),
    Case("syntax error", body={"query": "{ viewer { "}, status=request_error()),
    Case("unknown field", body={"query": "{ noSuchField }"}, status=request_error()),
    Case(
        "variable of the wrong type",
        body={"query": "query($n: Int) { deals(first: $n) { totalCount } }", "variables": {"n": "ten"}},
        status=request_error(),
    ),
    Case(
        "missing required variable", body={"query": "query($id: ID!) { deal(id: $id) { id } }"}, status=request_error()
    ),
    Case("PUT", method="PUT", body={"query": VIEWER}, status=refused(405)),
    # Execution began (the root's permission refused it), so `data` is there, null: 401 only where a status
    # can say so, as for bad credentials.
    Case(
        "no credentials, protected field",
        body={"query": DEALS},
        persona=None,
        status=request_error(**{GQL: 401}),
        code="UNAUTHENTICATED",
        data=True,
        headers={"www-authenticate": "Bearer"},
    ),
    Case(
        "a role without the action",
        body={"query": "{ auditLog(first: 1) { totalCount } }"},
        persona="rep1",
        status=request_error(**{GQL: 403}),
        code="FORBIDDEN",
        data=True,
    ),
    Case(
        "bad credentials",
        body={"query": DEALS},
        persona=None,
        authorization="Bearer not-a-token",
        status=refused(401),
        code="UNAUTHENTICATED",
        headers={"www-authenticate": "Bearer"},
    ),
    Case(
        "bad credentials, public operation",
        body={"query": "{ __typename }"},
        persona=None,
        authorization="Bearer not-a-token",
        status=refused(401),
        code="UNAUTHENTICATED",
    ),
    Case(
        "masked field",
        body={"query": "{ deals(first: 1) { edges { node { internalNotes } } } }"},
        persona="dist_admin",
        status=request_error(**{GQL: 403}),
        code="FORBIDDEN",
    ),
]


@pytest.fixture(params=["compiled", "resolver"])
def http(request, client, reference):
    return client if request.param == "compiled" else reference


async def _send(http, world, case: Case, accept: str | None):
    headers: dict[str, str] = {}
    if accept is not None:
        headers["accept"] = accept
    if case.content_type is not None:
        headers["content-type"] = case.content_type
    if case.persona is not None:
        headers["authorization"] = f"Bearer {world.token(case.persona)}"
    if case.authorization is not None:
        headers["authorization"] = case.authorization
    if case.method == "GET":
        return await http.get("/graphql", params=case.params, headers=headers)
    content = case.body if isinstance(case.body, bytes) else orjson.dumps(case.body)
    return await http.request(case.method, "/graphql", content=content, headers=headers)


def _problems(case: Case, accept: str | None, response) -> list[str]:
    wanted = GQL if accept == GQL else JSON
    got = (response.status_code, response.headers.get("content-type"))
    if got != (case.status[accept], wanted):
        return [f"status and type {got}, wanted {(case.status[accept], wanted)}: {response.text[:300]}"]
    body = response.json()
    problems = []
    codes = {error["extensions"]["code"] for error in body.get("errors", ())}
    if codes != ({case.code} if case.code else set()) or not all(e.get("message") for e in body.get("errors", ())):
        problems.append(f"error codes {codes}, wanted {case.code}: {body}")
    if ("data" in body) is not case.data:
        problems.append(f"data present: {'data' in body}, wanted {case.data}: {body}")
    for name, value in case.headers.items():
        if name == "www-authenticate" and response.status_code != 401:
            continue  # a GraphQL answer under application/json (200) has no challenge
        if not response.headers.get(name, "").startswith(value):
            problems.append(f"header {name}: {response.headers.get(name)!r}, wanted {value!r}")
    return problems


async def test_requests(http, world, sessions):
    """Every case of the table, with each Accept it lists: status, media type, error codes, `data` present or
    not, headers; never a 5xx; and the tenant's data unchanged after all of them."""
    before = await snapshot(sessions, world.tenant_id)
    problems = []
    for case in CASES:
        for accept in case.status:
            response = await _send(http, world, case, accept)
            assert response.status_code < 500, (case.name, response.text)
            problems += [f"{case.name} [{accept or 'no accept'}]: {p}" for p in _problems(case, accept, response)]
    assert not problems, "\n".join(problems)
    assert await snapshot(sessions, world.tenant_id) == before


ACCEPTS = [
    (None, JSON),
    ("*/*", JSON),
    ("application/*", JSON),
    (JSON, JSON),
    (GQL, GQL),
    (f"{GQL}, {JSON}", GQL),
    (f"{JSON}, {GQL}", GQL),
    (f"{JSON}, {GQL};q=0.5", JSON),
    (f"{GQL};q=0.1, */*;q=0.9", JSON),
    (f"text/html, {GQL};q=0.9", GQL),
    ("text/html, application/xhtml+xml;q=0.9, */*;q=0.8", JSON),
    ("application/xml", None),
    ("text/html", None),
    (f"{GQL};q=0, {JSON};q=0", None),
]


async def test_accept_picks_the_media_type(http, world):
    """The highest quality wins, ties go to the GraphQL media type, wildcards are application/json, and an
    Accept that admits neither is 406."""
    for accept, wanted in ACCEPTS:
        headers = {"authorization": f"Bearer {world.token('owner')}"} | ({"accept": accept} if accept else {})
        response = await http.post("/graphql", json={"query": VIEWER}, headers=headers)
        if wanted is None:
            assert (response.status_code, response.headers["content-type"]) == (406, JSON), accept
            assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        else:
            assert (response.status_code, response.headers["content-type"]) == (200, wanted), accept
            assert response.json() == {"data": {"viewer": {"roles": ["owner"]}}}


async def test_a_missing_object_is_null_with_an_error_and_siblings_stay(http, world):
    """Relay: `node`, `nodes` and the typed lookups answer null for an id that finds nothing, with a
    NOT_FOUND error at its path; the other fields keep their data, and the status is 200 (execution ran)."""
    for accept in (JSON, GQL):
        await _missing_objects(http, world, accept)


async def _missing_objects(http, world, accept: str) -> None:
    headers = {"authorization": f"Bearer {world.token('owner')}", "accept": accept}
    missing = to_global_id("Deal", uuid.uuid4())
    found = to_global_id("Customer", world.customers["direct"])
    for query, key in (
        ("query($id: ID!) { deal(id: $id) { id } viewer { roles } }", "deal"),
        ("query($id: ID!) { node(id: $id) { id } viewer { roles } }", "node"),
    ):
        response = await http.post("/graphql", json={"query": query, "variables": {"id": missing}}, headers=headers)
        assert response.status_code == 200 and response.headers["content-type"] == accept
        body = response.json()
        assert body["data"] == {key: None, "viewer": {"roles": ["owner"]}}, body
        assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [("NOT_FOUND", [key])]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } viewer { roles } }"
    response = await http.post(
        "/graphql", json={"query": query, "variables": {"ids": [found, missing, "not-an-id"]}}, headers=headers
    )
    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"nodes": [{"id": found}, None, None], "viewer": {"roles": ["owner"]}}, body
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [
        ("NOT_FOUND", ["nodes", 1]),
        ("NOT_FOUND", ["nodes", 2]),  # a malformed id is not found either
    ]


async def test_another_tenants_object_is_the_same_null(http, world, new_tenant):
    other = await new_tenant("elsewhere")
    headers = {"authorization": f"Bearer {world.token('owner')}"}
    foreign = to_global_id("User", other.admin_id)
    absent = to_global_id("User", uuid.uuid4())
    answers = []
    for id_ in (foreign, absent):
        response = await http.post(
            "/graphql",
            json={"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": id_}},
            headers=headers,
        )
        body = response.json()
        answers.append((response.status_code, body["data"], [e["extensions"]["code"] for e in body["errors"]]))
    assert answers[0] == answers[1] == (200, {"node": None}, ["NOT_FOUND"])

"""Sending GraphQL documents to the app under test."""

from __future__ import annotations

import json
from typing import Any

import httpx


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    authorization: str | None = None,
) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if authorization is not None:
        headers["authorization"] = authorization
    # ASCII JSON with escapes, as any client may send: unpaired surrogates ("\ud800") travel too.
    payload = json.dumps({"query": query, "variables": variables or {}})
    response = await client.post("/graphql", content=payload, headers=headers)
    body = response.json()
    body["_status"] = response.status_code
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]

"""The development console works offline: its page references no other host, every asset it references is
served, and the demo users' tokens are on it when `serve --demo` seeded them."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio(loop_scope="session")

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class References(HTMLParser):
    """Every URL the page makes a browser load, and the text of its data element."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.logins = ""
        self._in_logins = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href", "action", "poster", "data"):
            if found.get(name):
                self.urls.append(found[name])
        self._in_logins = tag == "script" and found.get("id") == "demo-logins"

    def handle_data(self, data: str) -> None:
        if self._in_logins:
            self.logins += data

    def handle_endtag(self, tag: str) -> None:
        self._in_logins = False


async def test_the_page_references_no_other_host_and_every_asset_is_served(client):
    page = await client.get("/graphql", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    references = References()
    references.feed(page.text)
    assert len(references.urls) >= 5, references.urls  # react, react-dom, graphiql js and css, the console
    for url in references.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url  # same origin only
        asset = await client.get(url)
        assert asset.status_code == 200 and asset.content, url
        kind = "text/css" if url.endswith(".css") else "javascript"
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
    assert json.loads(references.logins) == []


async def test_a_graphql_client_on_get_is_answered_not_given_the_page(client, world):
    headers = {"authorization": f"Bearer {world.token('owner')}"}
    got = await client.get("/graphql", params={"query": "{ viewer { roles } }"}, headers=headers | BROWSER)
    assert got.status_code == 200 and got.json() == {"data": {"viewer": {"roles": ["owner"]}}}


async def test_demo_tokens_are_on_the_page(database):
    from gateway.app import create_app

    logins = [
        {"tenant": "acme", "email": "owner@acme.example", "audience": "vendor", "roles": ["owner"], "token": "t1"},
        {"tenant": "acme", "email": "</script><b>x", "audience": "partner", "roles": ["partner_rep"], "token": "t2"},
    ]
    app = create_app(make_settings(), database.app_url, demo_logins=logins)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            page = await http.get("/graphql", headers=BROWSER)
    finally:
        await app.state.engine.dispose()
    assert page.headers["cache-control"] == "no-store"
    references = References()
    references.feed(page.text)
    assert json.loads(references.logins) == logins  # the markup in an email cannot end the data element

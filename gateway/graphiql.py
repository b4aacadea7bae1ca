"""The development console: GraphiQL served from the package's own files (`gateway/static/graphiql`), never
from another host, with the demo users' tokens one click away when `serve --demo` seeded them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import orjson
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "static" / "graphiql"
PAGE = Path(__file__).parent / "static" / "graphiql.html"
PREFIX = "/graphiql"
# The page loads only what this server serves; the browser enforces it too.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class GraphiQL:
    def __init__(self, logins: Sequence[Mapping[str, object]] = ()) -> None:
        self.logins = [dict(login) for login in logins]

    def page(self) -> HTMLResponse:
        # `</` cannot close the data element early: JSON allows `<` escaped as \u003c.
        logins = orjson.dumps(self.logins).decode().replace("<", "\\u003c")
        html = PAGE.read_text().replace("__DEMO_LOGINS__", logins)
        return HTMLResponse(
            html, headers={"cache-control": "no-store", "content-security-policy": POLICY, "x-frame-options": "DENY"}
        )

    @staticmethod
    def routes() -> list[BaseRoute]:
        return [Mount(PREFIX, StaticFiles(directory=ASSETS), name="graphiql")]

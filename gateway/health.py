"""/healthz: the process is alive. /readyz: the database answers and migrations are at head."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.database import current_revision, head_revision


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def readiness(engine: AsyncEngine):
    head = head_revision()

    async def readyz(request: Request) -> JSONResponse:
        try:
            async with engine.connect() as conn:
                revision = await current_revision(conn)
        except Exception as error:
            return JSONResponse({"status": "unavailable", "reason": type(error).__name__}, status_code=503)
        if revision != head:
            return JSONResponse({"status": "migrations pending", "revision": revision, "head": head}, status_code=503)
        return JSONResponse({"status": "ready", "revision": revision})

    return readyz

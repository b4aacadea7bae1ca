"""Files over plain HTTP, beside GraphQL: `POST /imports/{entity}` (a CSV body, streamed into PostgreSQL)
and `GET /exports/{job id}` (the finished file, streamed back). Same credentials and rights as GraphQL."""

from __future__ import annotations

import uuid

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from authz import actions
from authz.enforcer import Decisions
from gateway.policies import PolicyStore
from tenants.database import tenant_session
from tenants.errors import DomainError
from tenants.transfers.models import TransferJob
from tenants.transfers.staging import chunks, stage_import


def _error(status: int, code: str, message: str) -> Response:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    return Response(body, status_code=status, media_type="application/json")


class Transfers:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], policies: PolicyStore) -> None:
        self.sessions, self.policies = sessions, policies

    async def _allowed(self, request: Request, action) -> Response | None:
        principal = request.scope["principal"]
        if not principal.is_authenticated:
            return _error(401, "UNAUTHENTICATED", "authentication required")
        decisions: Decisions = await self.policies.decisions(principal)
        if not decisions.allows(action):
            return _error(403, "FORBIDDEN", f"not allowed: {action}")
        return None

    async def upload(self, request: Request) -> Response:
        refused = await self._allowed(request, actions.TRANSFER_IMPORT)
        if refused:
            return refused
        principal = request.scope["principal"]
        filename = request.query_params.get("filename", "upload.csv")
        try:
            async with tenant_session(self.sessions, principal) as session:
                job = await stage_import(session, principal, request.path_params["entity"], filename, request.stream())
        except DomainError as error:
            return _error(400, error.code, error.message)
        body = {"id": str(job.id), "status": job.status, "bytes": job.size_bytes}
        return Response(orjson.dumps(body), status_code=202, media_type="application/json")

    async def download(self, request: Request) -> Response:
        refused = await self._allowed(request, actions.TRANSFER_EXPORT)
        if refused:
            return refused
        principal = request.scope["principal"]
        try:
            job_id = uuid.UUID(request.path_params["job_id"])
        except ValueError:
            return _error(404, "NOT_FOUND", "no such export")
        async with tenant_session(self.sessions, principal, read_only=True) as session:
            job = await session.get(TransferJob, (principal.tenant_id, job_id))
        if job is None or job.direction != "export" or not job.requested_by(principal.user_id, principal.api_key_id):
            return _error(404, "NOT_FOUND", "no such export")
        if job.status != "finished":
            return _error(409, "CONFLICT", f"the export is {job.status}; try again when it is finished")

        async def stream():
            async with tenant_session(self.sessions, principal, read_only=True) as session:
                async for piece in chunks(session, job_id):
                    yield piece

        media = "text/csv" if job.format == "csv" else "application/x-ndjson"
        name = f"{job.entity}.{job.format}"
        return StreamingResponse(
            stream(), media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'}
        )

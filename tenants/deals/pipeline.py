"""The tenant's pipeline: its stages in order. Every tenant starts with the default below."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.deals.models import PipelineStage

DEFAULT_STAGES: tuple[tuple[str, int, str], ...] = (
    ("Prospecting", 10, "open"),
    ("Qualification", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Closed Won", 100, "won"),
    ("Closed Lost", 0, "lost"),
)


def default_stages(tenant_id: uuid.UUID) -> list[PipelineStage]:
    return [
        PipelineStage(tenant_id=tenant_id, name=name, position=position, probability=probability, kind=kind)
        for position, (name, probability, kind) in enumerate(DEFAULT_STAGES, start=1)
    ]


async def stages(session: AsyncSession) -> list[PipelineStage]:
    return list((await session.execute(select(PipelineStage).order_by(PipelineStage.position))).scalars())

"""What actors need from the process that runs them: the database (as the runtime role) and settings.

Actors are coroutines run by Dramatiq's AsyncIO middleware on one event loop thread; the engine is made
on that loop the first time it is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tenants.database import create_engine, session_factory


@dataclass
class WorkerSettings:
    database_url: str
    allow_private_webhooks: bool = False
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 6
    webhook_base_delay_seconds: float = 2.0
    webhook_lease_seconds: float = 60.0


_settings: WorkerSettings | None = None
_engine: AsyncEngine | None = None
_sessions: async_sessionmaker[AsyncSession] | None = None


def configure(settings: WorkerSettings) -> None:
    global _settings, _engine, _sessions
    _settings, _engine, _sessions = settings, None, None


def settings() -> WorkerSettings:
    if _settings is None:
        raise RuntimeError("workers are not configured (workers.setup.configure)")
    return _settings


def sessions() -> async_sessionmaker[AsyncSession]:
    global _engine, _sessions
    if _sessions is None:
        _engine = create_engine(settings().database_url, pool_size=4)
        _sessions = session_factory(_engine)
    return _sessions


async def dispose() -> None:
    global _engine, _sessions
    if _engine is not None:
        await _engine.dispose()
    _engine, _sessions = None, None

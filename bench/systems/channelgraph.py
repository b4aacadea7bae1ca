"""ChannelGraph under uvicorn with N workers (`bench.asgi:app`), connected as the bench database's runtime role."""

from __future__ import annotations

import os
import sys

from bench.config import REPO_DIR, RunOptions
from bench.dataset import Database
from bench.systems.servers import Server


def server(
    options: RunOptions,
    db: Database,
    *,
    name: str = "channelgraph",
    port: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANNELGRAPH_")}
    env |= {
        "CHANNELGRAPH_DATABASE_URL": db.app_url,
        "CHANNELGRAPH_JWT_SECRET": options.jwt_secret,
        "CHANNELGRAPH_DEV": "0",
        "PYTHONPATH": str(REPO_DIR),
    }
    env |= extra_env or {}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.asgi:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port or options.cg_port),
        "--workers",
        str(options.workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--lifespan",
        "on",
    ]
    return Server(name, cmd, env, port or options.cg_port, REPO_DIR)

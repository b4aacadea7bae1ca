"""`channelgraph serve`: resolve the database (embedded by default), optionally seed the demo, run uvicorn.

On SIGINT or SIGTERM uvicorn shuts down gracefully, restores the handlers it found and raises the
signal again. The handlers installed here turn that (or a signal before uvicorn runs) into a normal
exit, so the `finally` below stops the embedded database before the process ends.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from typing import TYPE_CHECKING

import uvicorn

from gateway.app import create_app
from gateway.runtime import Runtime, open_runtime
from gateway.settings import Settings
from gateway.worker import BackgroundWork

if TYPE_CHECKING:
    from gateway.commands import DemoLogin

log = logging.getLogger("channelgraph.serve")


def serve(settings: Settings, *, host: str | None, port: int | None, demo: bool) -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _exit_normally)
    runtime = asyncio.run(open_runtime(settings))
    try:
        logins = _print_demo(runtime) if demo else []
        app = create_app(runtime.settings, runtime.app_url, demo_logins=[login.as_dict() for login in logins])
        config = uvicorn.Config(
            app,
            host=host or settings.host,
            port=port or settings.port,
            log_level="info",
            lifespan="on",
            proxy_headers=False,
        )
        server = uvicorn.Server(config)
        work = None
        if runtime.settings.dev and runtime.embedded is not None:
            # A newcomer's single command shows everything working: workers run inside the server.
            work = BackgroundWork(runtime, threads=2)
            work.start()
        if runtime.settings.dev:
            log.info("development mode: GraphiQL at http://%s:%s/graphql", config.host, config.port)
        try:
            asyncio.run(server.serve())
        finally:
            if work is not None:
                work.stop()
        return 0 if server.started else 1
    finally:
        runtime.close()


def port_in_use(host: str, port: int) -> bool:
    """Whether `host:port` cannot be listened on now (checked before the database starts and the demo is
    seeded, so a second server fails at once). uvicorn binds the same way: SO_REUSEADDR, no SO_REUSEPORT."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return False  # uvicorn reports an unknown host itself
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return True
    return False


def _exit_normally(signum: int, frame: object) -> None:
    log.info("%s: stopping", signal.Signals(signum).name)
    raise SystemExit(0)


def _print_demo(runtime: Runtime) -> list[DemoLogin]:
    from gateway import commands

    logins = asyncio.run(commands.seed_demo(runtime))
    print("Demo users (tenant, email, audience, roles) with development tokens:", flush=True)
    for login in logins:
        print(f"  {login.tenant:8} {login.email:32} {login.audience:9} {','.join(login.roles)}")
        print(f"    Authorization: Bearer {login.token}")
    print(flush=True)
    return logins

"""A worker process killed in the middle of a job: the job is redelivered and its effect applied once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.database import url_for
from tests.workers.scenario import deliveries, hooked_tenant, wait_until, win_a_deal
from workers.context import WorkerSettings
from workers.relay import Relay
from workers.setup import configure

pytestmark = pytest.mark.asyncio(loop_scope="session")


class SlowFirstReceiver:
    """Holds the first request open (the worker is mid-job while we kill it); answers later ones."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.first_arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append(json.loads(body))
                if len(receiver.requests) == 1:
                    receiver.first_arrived.set()
                    time.sleep(20)
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


def start_worker(database) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.workers.worker_process", database.app_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdout.readline().strip() == "ready"
    return process


async def test_killed_worker_job_is_redelivered_and_applied_once(database, sessions, new_tenant):
    receiver = SlowFirstReceiver()
    hooked = await hooked_tenant(sessions, new_tenant, receiver.url)
    # Only the relay runs in this process; the worker is a process of its own.
    broker = configure(database.app_url, WorkerSettings(database.app_url, allow_private_webhooks=True))
    first = start_worker(database)
    second = None
    try:
        await win_a_deal(sessions, hooked)
        Relay(url_for(database.admin_url, database.roles.relay, database.name), broker).drain()
        assert await asyncio.to_thread(receiver.first_arrived.wait, 30), "the job never started"
        first.kill()  # SIGKILL, mid-job: no acknowledgement, no cleanup
        first.wait()
        second = start_worker(database)
        done = await wait_until(lambda: _delivered(sessions, hooked.tenant_id), within=60)
        assert done, await deliveries(sessions, hooked.tenant_id)
        rows = await deliveries(sessions, hooked.tenant_id)
        assert len(rows) == 1 and rows[0][1] == "delivered"
        # The receiver saw the event twice (the first attempt never completed), with one event id to dedupe on.
        assert len(receiver.requests) == 2 and len({r["id"] for r in receiver.requests}) == 1
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        broker.close()
        receiver.server.shutdown()


async def _delivered(sessions, tenant_id):
    rows = await deliveries(sessions, tenant_id)
    return rows and all(r[1] == "delivered" for r in rows)

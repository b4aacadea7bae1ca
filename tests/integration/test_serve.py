"""The README's first command: `channelgraph serve` with no database URL, on the embedded default."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

pytestmark = pytest.mark.embedded


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_on_embedded_database_and_stop_on_sigterm(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANNELGRAPH_")}
    env["CHANNELGRAPH_DATA_DIR"] = str(tmp_path / "data")
    server = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                status, body = _get(f"http://127.0.0.1:{port}/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "not ready within 90 s"
            time.sleep(0.5)
        assert body["status"] == "ready"
        postmaster = (tmp_path / "data" / "pg" / "postmaster.pid").read_text().splitlines()
        pg_pid = int(postmaster[0])
        assert psutil.pid_exists(pg_pid)

        # A demo token printed at start answers a query.
        lines = []
        while not any("Authorization: Bearer" in line for line in lines):
            lines.append(server.stdout.readline())
        token = next(line for line in lines if "Authorization: Bearer" in line).split("Bearer ", 1)[1].strip()
        status, body = _get(
            f"http://127.0.0.1:{port}/graphql",
            data=json.dumps({"query": "{ viewer { audience } }"}).encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
        )
        assert status == 200 and body["data"]["viewer"]["audience"] == "PLATFORM", body

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        deadline = time.monotonic() + 15
        while psutil.pid_exists(pg_pid) and psutil.Process(pg_pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the embedded database outlived the server"
            time.sleep(0.2)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_recovers_after_the_server_is_killed(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANNELGRAPH_")}
    env["CHANNELGRAPH_DATA_DIR"] = str(tmp_path / "data")
    server = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pg_pid = None
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.5)
        pg_pid = int((tmp_path / "data" / "pg" / "postmaster.pid").read_text().splitlines()[0])
        server.kill()  # a crash: no cleanup runs, its pid stays in the handle list
        server.wait()
        assert psutil.pid_exists(pg_pid)
        # The next command prunes the dead handle, attaches, and as the last user stops the database.
        listed = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "tenants", "list"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert listed.returncode == 0, listed.stderr
        deadline = time.monotonic() + 15
        while psutil.pid_exists(pg_pid) and psutil.Process(pg_pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the database was left running after the crash"
            time.sleep(0.2)
    finally:
        if server.poll() is None:
            server.kill()
        if pg_pid and psutil.pid_exists(pg_pid):
            psutil.Process(pg_pid).terminate()

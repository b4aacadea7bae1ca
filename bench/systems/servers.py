"""Starting and stopping a server subprocess (its own process group), and waiting until it answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from bench.config import WORK_DIR


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Server:
    def __init__(self, name: str, cmd: list[str], env: dict[str, str], port: int, cwd: Path) -> None:
        self.name, self.cmd, self.env, self.port, self.cwd = name, cmd, env, port, cwd
        self.proc: subprocess.Popen | None = None
        self.log_path = WORK_DIR / f"{name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self) -> None:
        """Fail loudly when the server died during a run (its figures would be someone else's, or zeros)."""
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.proc.returncode}) during the run:\n{self.tail()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 90.0) -> None:
        """Start the server and wait until it answers. The port must be free first: an answer from another
        process already listening there would otherwise be taken for this one's (and measured)."""
        if not port_free(self.port):
            raise RuntimeError(
                f"{self.name}: port {self.port} is already in use; stop that process or choose another port"
            )
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); see {self.log_path}:\n{self.tail()}")
            try:
                httpx.post(self.url, json={"query": "{ __typename }"}, timeout=2.0)
            except httpx.HTTPError:
                time.sleep(0.3)
                continue
            if self.proc.poll() is not None:  # something answered, but this server has died
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); see {self.log_path}:\n{self.tail()}")
            return
        self.stop()
        raise RuntimeError(f"{self.name} did not answer on port {self.port} within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group this harness started, by its id
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        except ProcessLookupError:
            pass

"""Driving load from a separate process on 127.0.0.1: wrk (HTTP systems) and pgbench (the raw-SQL bound), each
bounded in time, with CPU and memory of the server and of PostgreSQL's backends sampled while they run."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from bench.config import WORK_DIR

WRK_LUA = r"""
-- Rotates through the harness's requests (authorization + body), counts GraphQL errors in 200 responses.
local reqs = dofile(os.getenv("BENCH_REQUESTS"))
local n = #reqs
local counter = 0
gql_errors = 0
first_error = ""
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + (tid or 0) * 7919)
  counter = math.random(n) - 1
end

local function hex(k) return string.format("%0" .. k .. "x", math.random(0, 16 ^ k - 1)) end
local function uuid4()
  return hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(6) .. hex(6)
end

function request()
  counter = counter + 1
  local r = reqs[(counter % n) + 1]
  local body = r[2]
  if r[3] then body = body:gsub("__UUID__", uuid4()) end
  return wrk.format("POST", "/graphql", {["Authorization"] = r[1], ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    gql_errors = gql_errors + 1
    if first_error == "" then first_error = status .. " " .. body:sub(1, 400) end
  end
end

function done(summary, latency, requests)
  local ge, fe = 0, ""
  for _, t in ipairs(threads) do
    ge = ge + (t:get("gql_errors") or 0)
    if fe == "" then fe = t:get("first_error") or "" end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "bad_responses": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect, e.read,
    e.write, e.status, e.timeout, ge))
  if fe ~= "" then io.write("BENCH_FIRST_ERROR " .. fe:gsub("\n", " ") .. "\n") end
end
"""


@dataclass
class Measurement:
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    error_detail: dict = field(default_factory=dict)
    first_error: str = ""
    cpu_server_cores: float | None = None
    cpu_postgres_cores: float | None = None
    cpu_driver_cores: float | None = None
    server_rss_mb: float | None = None  # the largest server process seen
    server_rss_total_mb: float | None = None
    cpu_other_cores: float | None = None  # the rest of the machine (other users' processes) during the run

    def as_dict(self) -> dict:
        return asdict(self)


class Sampler:
    """CPU seconds of process groups over a run (processes that start during the run count from zero), and
    the peak RSS of the server's processes."""

    def __init__(self, server_pid: int | None, database: str, interval: float = 0.25) -> None:
        self.server_pid = server_pid
        self.database = database
        self.interval = interval
        self.driver_pid: int | None = None
        self._cpu: dict[str, dict[int, float]] = {"server": {}, "postgres": {}, "driver": {}}
        self._base: dict[str, dict[int, float]] = {"server": {}, "postgres": {}, "driver": {}}
        self.rss_max = 0.0
        self.rss_total_max = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = 0.0

    def _groups(self) -> dict[str, list[psutil.Process]]:
        groups: dict[str, list[psutil.Process]] = {"server": [], "postgres": [], "driver": []}
        if self.server_pid:
            try:
                root = psutil.Process(self.server_pid)
                groups["server"] = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        if self.driver_pid:
            try:
                groups["driver"] = [psutil.Process(self.driver_pid)]
            except psutil.NoSuchProcess:
                pass
        marker = f" {self.database} "
        for proc in psutil.process_iter(["name", "cmdline"]):
            cmd = proc.info["cmdline"] or []
            if proc.info["name"] == "postgres" and cmd and cmd[0].startswith("postgres:") and marker in f"{cmd[0]} ":
                groups["postgres"].append(proc)
        return groups

    def _sample(self) -> None:
        total_rss = 0.0
        for group, procs in self._groups().items():
            for proc in procs:
                try:
                    with proc.oneshot():
                        times = proc.cpu_times()
                        used = times.user + times.system
                        if proc.pid not in self._base[group]:
                            self._base[group][proc.pid] = 0.0 if proc.create_time() >= self._t0 else used
                        self._cpu[group][proc.pid] = used
                        if group == "server":
                            rss = proc.memory_info().rss / 2**20
                            self.rss_max = max(self.rss_max, rss)
                            total_rss += rss
                except psutil.Error:
                    continue
        self.rss_total_max = max(self.rss_total_max, total_rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)
        self._sample()

    def __enter__(self) -> Sampler:
        self._t0 = time.time() - 0.05
        self._sys0 = _busy()
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.busy_seconds = _busy() - self._sys0

    def cpu_seconds(self, group: str) -> float:
        return sum(self._cpu[group][pid] - self._base[group].get(pid, 0.0) for pid in self._cpu[group])


def _busy() -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def wait_idle(pid: int, *, below: float = 0.1, timeout: float = 20.0) -> None:
    """Wait until a server's processes are idle: requests abandoned by the warm-up's end still run."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    deadline = time.monotonic() + timeout

    def used() -> float:
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    while time.monotonic() < deadline:
        before = used()
        time.sleep(0.3)
        if (used() - before) / 0.3 < below:
            return


def _apply_sampler(m: Measurement, sampler: Sampler, seconds: float, has_server: bool) -> None:
    if seconds <= 0:
        return
    if has_server:
        m.cpu_server_cores = round(sampler.cpu_seconds("server") / seconds, 3)
        m.server_rss_mb = round(sampler.rss_max, 1)
        m.server_rss_total_mb = round(sampler.rss_total_max, 1)
    m.cpu_postgres_cores = round(sampler.cpu_seconds("postgres") / seconds, 3)
    m.cpu_driver_cores = round(sampler.cpu_seconds("driver") / seconds, 3)
    ours = sum(sampler.cpu_seconds(g) for g in ("server", "postgres", "driver"))
    m.cpu_other_cores = round(max(0.0, sampler.busy_seconds - ours) / seconds, 3)


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing Debian's wrk (apt-get install -y wrk)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not available; install it with `apt-get install -y wrk`")
    return found


def write_requests(requests: list[dict], path: Path) -> None:
    """A Lua file returning the rotation: {authorization, body, needs uuid}."""

    def quote(s: str) -> str:
        if "]==]" in s:
            raise ValueError("request body contains ']==]'")
        return f"[==[{s}]==]"

    lines = ["return {"]
    for r in requests:
        lines.append(f"  {{{quote(r['authorization'])}, {quote(r['body'])}, {str(r['uuid']).lower()}}},")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")


def run_wrk(
    url: str, requests: list[dict], *, concurrency: int, seconds: float, server_pid: int, database: str
) -> Measurement:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    script = WORK_DIR / "rotate.lua"
    script.write_text(WRK_LUA)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=WORK_DIR, delete=False) as handle:
        data = Path(handle.name)
    try:
        write_requests(requests, data)
        threads = min(2, concurrency)
        cmd = [
            wrk_binary(),
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            url,
        ]
        env = os.environ | {"BENCH_REQUESTS": str(data)}
        with Sampler(server_pid, database) as sampler:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            sampler.driver_pid = proc.pid
            out, err = proc.communicate(timeout=seconds + 60)
        return _parse_wrk(out, err, proc.returncode, sampler)
    finally:
        data.unlink(missing_ok=True)


def _parse_wrk(out: str, err: str, code: int, sampler: Sampler) -> Measurement:
    found = re.search(r"^BENCH_RESULT (\{.*\})$", out, re.M)
    if code != 0 or not found:
        raise RuntimeError(f"wrk failed ({code}): {err.strip() or out.strip()}")
    raw = json.loads(found.group(1))
    seconds = raw["duration_us"] / 1e6
    detail = {k: raw[k] for k in ("connect", "read", "write", "timeout", "status", "bad_responses")}
    m = Measurement(
        requests=raw["requests"],
        seconds=round(seconds, 2),
        rps=round(raw["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=round(raw["p50_us"] / 1000, 2),
        p99_ms=round(raw["p99_us"] / 1000, 2),
        # bad_responses counts non-200 answers too, so `status` is not added twice.
        errors=detail["connect"] + detail["read"] + detail["write"] + detail["timeout"] + detail["bad_responses"],
        error_detail=detail,
    )
    first = re.search(r"^BENCH_FIRST_ERROR (.*)$", out, re.M)
    if first:
        m.first_error = first.group(1)[:400]
    _apply_sampler(m, sampler, seconds, True)
    return m


def run_pgbench(
    scripts: list[tuple[str, int]], *, dsn_parts: dict, concurrency: int, seconds: float, database: str
) -> Measurement:
    """pgbench -M prepared over `scripts` ((text, weight)), per-transaction log for p50/p99."""
    binary = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK_DIR) as tmp:
        args = [binary, "-n", "-M", "prepared", "-c", str(concurrency), "-j", str(min(2, concurrency))]
        args += ["-T", str(max(1, round(seconds))), "-l", "--log-prefix", f"{tmp}/tx"]
        for i, (text, weight) in enumerate(scripts):
            path = Path(tmp) / f"script{i}.sql"
            path.write_text(text)
            args += ["-f", f"{path}@{weight}"]
        args += ["-h", dsn_parts["host"], "-p", str(dsn_parts["port"]), "-U", dsn_parts["user"], dsn_parts["database"]]
        env = os.environ | ({"PGPASSWORD": dsn_parts["password"]} if dsn_parts.get("password") else {})
        with Sampler(None, database) as sampler:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            sampler.driver_pid = proc.pid
            out, err = proc.communicate(timeout=seconds + 60)
        latencies = []
        for log in Path(tmp).glob("tx*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                if len(fields) >= 6 and fields[2].isdigit():
                    latencies.append(int(fields[2]))
    processed = re.search(r"number of transactions actually processed: (\d+)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    aborted = len(re.findall(r"aborted", err))
    if not processed or not tps:
        raise RuntimeError(f"pgbench failed ({proc.returncode}): {err.strip()[-800:]}")
    m = Measurement(requests=int(processed.group(1)), seconds=round(seconds, 2), rps=round(float(tps.group(1)), 1))
    latencies.sort()
    if latencies:
        m.p50_ms = round(_percentile(latencies, 50) / 1000, 2)
        m.p99_ms = round(_percentile(latencies, 99) / 1000, 2)
    m.errors = (int(failed.group(1)) if failed else 0) + aborted
    m.error_detail = {"failed": int(failed.group(1)) if failed else 0, "aborted_clients": aborted}
    if aborted or proc.returncode != 0:
        m.first_error = err.strip()[-400:]
        m.errors = max(m.errors, 1)
    _apply_sampler(m, sampler, seconds, False)
    return m


def _percentile(sorted_values: list[int], p: float) -> float:
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(p) - 1]

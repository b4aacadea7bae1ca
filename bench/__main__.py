"""`python -m bench`: load (or reuse) the benchmark database, start ChannelGraph and PostGraphile, check every
scenario answers without errors, then run interleaved rounds against ChannelGraph, PostGraphile and the raw-SQL
bound, and write the table, latest.json and the chart to bench/results/."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import psutil
from sqlalchemy import make_url

from bench import dataset, load, report, scenarios
from bench.config import DataSpec, RunOptions
from bench.systems import channelgraph, postgraphile
from gateway.tokens import TokenService


def parse(argv: list[str] | None) -> tuple[RunOptions, DataSpec]:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="smoke run: 1 round, 3 s per system, concurrency 16")
    p.add_argument("--reload", action="store_true", help="drop and rebuild the benchmark database")
    p.add_argument("--rounds", type=int, help="interleaved rounds (default 3; --quick 1)")
    p.add_argument("--duration", type=float, help="seconds measured per system and scenario (default 10; --quick 3)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up before each measurement (default 2; --quick 1)")
    p.add_argument("--concurrency", help="comma-separated connections (default 16,64; --quick 16)")
    p.add_argument("--scenarios", help=f"comma-separated subset of {','.join(scenarios.ALL_NAMES)}")
    p.add_argument("--systems", help="comma-separated subset of channelgraph,postgraphile,rawsql")
    p.add_argument("--workers", type=int, default=2, help="server processes for ChannelGraph and PostGraphile")
    p.add_argument(
        "--cg-port", type=int, default=RunOptions.cg_port, help="ChannelGraph's port (variants: +10, +11...)"
    )
    p.add_argument("--pgl-port", type=int, default=RunOptions.pgl_port, help="PostGraphile's port")
    p.add_argument("--seed", type=int, default=DataSpec.seed)
    p.add_argument("--tenants", type=int, default=DataSpec.tenants)
    p.add_argument("--partners", type=int, default=DataSpec.partners, help="per tenant")
    p.add_argument("--customers", type=int, default=DataSpec.customers, help="per tenant")
    p.add_argument("--deals", type=int, help="per tenant (default 25000, or 5 per customer when --customers is set)")
    p.add_argument("--database", help="database name (default cgbench; other sizes get their own database)")
    p.add_argument("--results", help="folder for latest.json, the table and the chart (default bench/results)")
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:VAR=VALUE[,VAR=VALUE]",
        help="another ChannelGraph run with extra environment (default: resolver:CHANNELGRAPH_COMPILED_READS=0,"
        " the resolver path beside the compiled one)",
    )
    p.add_argument("--no-resolver", action="store_true", help="skip the default resolver-path run")
    a = p.parse_args(argv)
    deals = (
        a.deals if a.deals is not None else (a.customers * 5 if a.customers != DataSpec.customers else DataSpec.deals)
    )
    spec = DataSpec(
        seed=a.seed,
        tenants=a.tenants,
        partners=a.partners,
        customers=a.customers,
        deals=deals,
        distributors=min(DataSpec.distributors, a.partners),
    )
    default_size = spec == DataSpec(seed=a.seed)
    database = a.database or ("cgbench" if default_size else f"cgbench_{spec.tenants}t_{spec.customers}c_{deals}d")
    variants = []
    requested = a.variant or ([] if a.no_resolver else ["resolver:CHANNELGRAPH_COMPILED_READS=0"])
    for v in requested:
        name, _, assignments = v.partition(":")
        env = tuple(tuple(x.split("=", 1)) for x in assignments.split(",") if "=" in x)
        variants.append((name, env))
    options = RunOptions(
        database=database,
        rounds=a.rounds or (1 if a.quick else 3),
        duration=a.duration or (3.0 if a.quick else 10.0),
        warmup=a.warmup if a.warmup is not None else (1.0 if a.quick else 2.0),
        concurrency=tuple(int(c) for c in (a.concurrency or ("16" if a.quick else "16,64")).split(",")),
        scenarios=tuple((a.scenarios or ",".join(scenarios.ALL_NAMES)).split(",")),
        systems=tuple((a.systems or "channelgraph,postgraphile,rawsql").split(",")),
        workers=a.workers,
        cg_port=a.cg_port,
        pgl_port=a.pgl_port,
        reload=a.reload,
        quick=a.quick,
        cg_variants=tuple(variants),
        **({"results_dir": Path(a.results)} if a.results else {}),
    )
    unknown = set(options.scenarios) - set(scenarios.ALL_NAMES)
    if unknown:
        p.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return options, spec


def log(message: str) -> None:
    print(message, flush=True)


def check_tokens(options: RunOptions, rotation) -> None:
    """The harness's tokens are valid ChannelGraph tokens (its own TokenService verifies them)."""
    service = TokenService(secret=options.jwt_secret)
    for entries in rotation.values():
        persona = entries[0].persona
        claims = service.verify(scenarios.mint(options.jwt_secret, persona))
        assert claims.user_id == persona.user_id and claims.tenant_id == persona.tenant_id


def validate_http(system: str, url: str, names: list[str], rotation, secret: str) -> dict[str, int]:
    """Send a few requests of each scenario; fail loudly on any non-200 or GraphQL error. Returns body sizes."""
    sizes = {}
    with httpx.Client(timeout=30) as client:
        for name in names:
            requests = scenarios.requests_for(name, system, rotation, secret)
            step = max(1, len(requests) // 4)
            for r in requests[::step][:4]:
                body = r["body"].replace(scenarios.UUID_PLACEHOLDER, str(__import__("uuid").uuid4()))
                answer = client.post(
                    url, content=body, headers={"authorization": r["authorization"], "content-type": "application/json"}
                )
                data = answer.json() if answer.headers.get("content-type", "").startswith("application/") else {}
                if answer.status_code != 200 or data.get("errors") or not data.get("data"):
                    raise SystemExit(f"{system} {name}: {answer.status_code} {answer.text[:600]}")
                if name != scenarios.MIX:
                    sizes[name] = len(answer.content)
    return sizes


def pgbench_scripts(name: str, rotation) -> list[tuple[str, int]]:
    return [(scenarios.pgbench_script(s, len(rotation[s.rotation])), weight) for s, weight in scenarios.parts(name)]


def dsn_parts(db: dataset.Database) -> dict:
    url = make_url(db.app_url)
    return {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username,
        "password": url.password,
        "database": url.database,
    }


def free_slots(db: dataset.Database) -> int:
    async def query() -> int:
        conn = await asyncpg.connect(db.admin_dsn)
        try:
            return await conn.fetchval(
                "select current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int - count(*) from pg_stat_activity"
            )
        finally:
            await conn.close()

    return asyncio.run(query())


def make_room(db: dataset.Database, servers: dict, concurrency: int) -> None:
    """pgbench needs one connection per client: when the servers' idle pools leave too few slots under
    max_connections, stop the servers for this run (they restart, and warm up, before their next run)."""
    if free_slots(db) >= concurrency + 2:
        return
    for name, server in servers.items():
        if server.running:
            log(f"  stopping {name} to free connections for pgbench -c {concurrency}")
            server.stop()
    time.sleep(0.5)
    free = free_slots(db)
    if free < concurrency + 2:
        raise RuntimeError(f"only {free} PostgreSQL connection slots are free for pgbench -c {concurrency}")


def main(argv: list[str] | None = None) -> int:
    options, spec = parse(argv)
    started = time.monotonic()
    log(f"benchmark database {options.database!r} on {make_url(options.admin_url).host}; data set {spec}")
    db = asyncio.run(dataset.prepare(options, spec, log))
    rotation = asyncio.run(dataset.rotation(db))
    check_tokens(options, rotation)
    systems = list(options.systems)
    notes: list[str] = []
    servers: dict = {}
    try:
        if "channelgraph" in systems:
            servers["channelgraph"] = channelgraph.server(options, db)
            for i, (name, env) in enumerate(options.cg_variants):
                key = f"channelgraph-{name}"
                servers[key] = channelgraph.server(
                    options, db, name=key, port=options.cg_port + 10 + i, extra_env=dict(env)
                )
                systems.insert(systems.index("channelgraph") + 1 + i, key)
        if "postgraphile" in systems:
            try:
                servers["postgraphile"] = postgraphile.server(options, db)
            except Exception as error:  # reported; the run goes on without the peer
                notes.append(f"PostGraphile skipped: {error}")
                systems.remove("postgraphile")
        for name, server in list(servers.items()):
            log(f"starting {name} ({options.workers} workers) on port {server.port} ...")
            try:
                server.start()
            except RuntimeError as error:
                if name != "postgraphile":
                    raise
                notes.append(f"PostGraphile skipped: {error}")
                systems.remove("postgraphile")
                del servers[name]
        if "postgraphile" in servers:
            notes.append(f"PostGraphile {postgraphile.version()} on Node 22 ({options.workers} workers, node:cluster)")
        for name, server in servers.items():
            sizes = validate_http(name, server.url, list(options.scenarios), rotation, options.jwt_secret)
            log(f"  {name}: every scenario answers without errors (bytes: {sizes})")
        if "rawsql" in systems:
            for name in options.scenarios:
                m = load.run_pgbench(
                    pgbench_scripts(name, rotation),
                    dsn_parts=dsn_parts(db),
                    concurrency=1,
                    seconds=1,
                    database=db.name,
                )
                if m.errors or not m.requests:
                    raise SystemExit(f"rawsql {name}: {m.first_error or 'no transaction completed'}")
            log("  rawsql: every scenario's SQL runs without errors")
        asyncio.run(dataset.cleanup_mutations(db))
        runs = measure(options, db, systems, servers, rotation)
    finally:
        for server in servers.values():
            server.stop()
        removed = asyncio.run(dataset.cleanup_mutations(db))
        if removed:
            log(f"removed {removed} deals created by createDeal runs")
    summary = report.summarise(runs)
    ratio = report.ratios(summary)
    rss = [
        f["server_rss_mb_max"]
        for s in summary.values()
        for sys_, by_c in s.items()
        if sys_.startswith("channelgraph")
        for f in by_c.values()
        if f["server_rss_mb_max"]
    ]
    if rss:
        verdict = "under" if max(rss) < report.RSS_LIMIT_MB else "OVER"
        notes.append(f"ChannelGraph worker RSS peak {max(rss):.0f} MB ({verdict} {report.RSS_LIMIT_MB:.0f} MB)")
    errors = sum(f["errors"] for s in summary.values() for by_c in s.values() for f in by_c.values())
    notes.append(f"errors across all runs: {errors}")
    meta = {
        "mode": "quick" if options.quick else "full",
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {psutil.cpu_count()} cores,"
        f" {round(psutil.virtual_memory().total / 2**30)} GiB",
        "data": f"seed {spec.seed}: {spec.tenants} tenants x ({spec.partners} partners, {spec.customers} customers,"
        f" {spec.deals} deals, {spec.customers * spec.contacts_per_customer} contacts,"
        f" {spec.deals * spec.activities_per_deal} activities)",
        "data_spec": spec.as_marker(),
        "rounds": options.rounds,
        "duration_s": options.duration,
        "warmup_s": options.warmup,
        "concurrency": list(options.concurrency),
        "workers": options.workers,
        "systems": systems,
        "scenarios": {
            n: (scenarios.BY_NAME[n].title if n in scenarios.BY_NAME else "weighted mix of 1-5")
            for n in options.scenarios
        },
        "python": sys.version.split()[0],
        "notes": notes,
        "elapsed_s": round(time.monotonic() - started),
    }
    text = report.write(options.results_dir, meta, summary, ratio, runs, systems)
    print()
    print(text)
    print()
    for n in notes:
        print(f"- {n}")
    suffix = "" if meta["mode"] == "full" else "-quick"
    print(
        f"\nwritten: {options.results_dir}/latest.json, results{suffix}.md, benchmark{suffix}.png"
        f" ({meta['elapsed_s']} s)"
    )
    return 1 if errors else 0


def measure(options: RunOptions, db, systems: list[str], servers: dict, rotation) -> list[dict]:
    runs = []
    requests = {
        (name, system): scenarios.requests_for(
            name, "postgraphile" if system == "postgraphile" else "channelgraph", rotation, options.jwt_secret
        )
        for name in options.scenarios
        for system in systems
        if system != "rawsql"
    }
    scripts = {name: pgbench_scripts(name, rotation) for name in options.scenarios}
    total = options.rounds * len(options.scenarios) * len(options.concurrency) * len(systems)
    done = 0
    for round_ in range(1, options.rounds + 1):
        # Rotate who goes first each round, so no system always runs on the warmest cache.
        order = systems[(round_ - 1) % len(systems) :] + systems[: (round_ - 1) % len(systems)]
        for name in options.scenarios:
            for concurrency in options.concurrency:
                for system in order:
                    done += 1

                    def once(seconds: float, system=system, name=name, concurrency=concurrency):
                        if system == "rawsql":
                            make_room(db, servers, concurrency)
                            return load.run_pgbench(
                                scripts[name],
                                dsn_parts=dsn_parts(db),
                                concurrency=concurrency,
                                seconds=seconds,
                                database=db.name,
                            )
                        server = servers[system]
                        if not server.running:
                            log(f"  restarting {system}")
                            server.start()
                        measured = load.run_wrk(
                            server.url,
                            requests[(name, system)],
                            concurrency=concurrency,
                            seconds=seconds,
                            server_pid=server.pid,
                            database=db.name,
                        )
                        server.check_alive()  # a server that died under load makes the run an error
                        return measured

                    try:
                        if options.warmup > 0:
                            once(options.warmup)
                            if system != "rawsql":
                                load.wait_idle(servers[system].pid)
                        m = once(options.duration)
                    except RuntimeError as error:
                        # One failed measurement is recorded (no figures, one error) and the run goes on.
                        m = load.Measurement(errors=1, first_error=str(error)[-400:])
                        m.rps = m.p50_ms = m.p99_ms = None
                    row = {"round": round_, "scenario": name, "system": system, "concurrency": concurrency}
                    row |= m.as_dict()
                    runs.append(row)
                    cpu = "" if m.cpu_server_cores is None else f" server {m.cpu_server_cores:.2f} cores,"
                    log(
                        f"[{done}/{total}] round {round_} {name:15} c={concurrency:<3} {system:22}"
                        f" {m.rps or 0:8.1f} req/s  p50 {m.p50_ms or 0:7.2f} ms  p99 {m.p99_ms or 0:7.2f} ms"
                        f"  errors {m.errors}"
                        f" ({cpu} postgres {m.cpu_postgres_cores or 0:.2f}, others {m.cpu_other_cores or 0:.2f} cores)"
                        + (f"\n      first error: {m.first_error}" if m.first_error else "")
                    )
        if any(s.rotation == "create" for n in options.scenarios for s, _ in scenarios.parts(n)):
            asyncio.run(dataset.cleanup_mutations(db))
    return runs


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())

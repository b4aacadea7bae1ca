"""Options of one benchmark run and the size of its data set."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
TOOLS_DIR = BENCH_DIR / ".tools"
PEER_DIR = BENCH_DIR / ".peer"
WORK_DIR = BENCH_DIR / ".tools" / "work"

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Bump when the generator's output changes: a loaded database with another version is rebuilt.
GENERATOR_VERSION = 1


@dataclass(frozen=True)
class DataSpec:
    """Per-tenant sizes (the issue's defaults). The seed and these numbers identify a loaded data set."""

    seed: int = 42
    tenants: int = 20
    distributors: int = 5
    partners: int = 50  # distributors included; the rest are resellers under them
    customers: int = 5_000
    deals: int = 25_000
    contacts_per_customer: int = 2
    activities_per_deal: int = 2
    reps: int = 4  # vendor sales reps owning customers and deals

    def as_marker(self) -> dict:
        return dataclasses.asdict(self) | {"generator_version": GENERATOR_VERSION}


@dataclass(frozen=True)
class RunOptions:
    admin_url: str = field(default_factory=lambda: os.environ.get("CHANNELGRAPH_ADMIN_DATABASE_URL", DEFAULT_ADMIN_URL))
    database: str = "cgbench"
    role_prefix: str = "cgbench"
    jwt_secret: str = "cgbench-jwt-secret-not-for-production-0123456789"
    rounds: int = 3
    duration: float = 10.0
    warmup: float = 2.0
    concurrency: tuple[int, ...] = (16, 64)
    scenarios: tuple[str, ...] = ()
    systems: tuple[str, ...] = ("channelgraph", "postgraphile", "rawsql")
    workers: int = 2
    reload: bool = False
    quick: bool = False
    cg_port: int = 18431
    pgl_port: int = 18432
    # Extra ChannelGraph variants (by default the resolver path): name -> environment overrides.
    cg_variants: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    results_dir: Path = RESULTS_DIR

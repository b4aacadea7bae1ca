"""Alembic environment: runs as the owner role, online only.

The caller opens the owner's connection and passes it, with the role names to grant to, through
`config.attributes` (`connection`, `app_role`, `relay_role`); see `gateway/database.py`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tenants.models import Base

config = context.config
target_metadata = Base.metadata


def include_name(name, type_, parent_names) -> bool:
    if type_ == "schema":
        return name in {"app", "platform"}
    return True


def run_with(connection: Connection) -> None:
    connection.execute(text("create schema if not exists platform"))
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table_schema="platform",
        include_schemas=True,
        include_name=include_name,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("ChannelGraph migrations run online only (channelgraph migrate).")
run_with(config.attributes["connection"])

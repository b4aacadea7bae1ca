"""Core statements run on the driver's (asyncpg) connection: compiled once, executed as prepared statements.

The lean write path (`tenants.deals.writes`) runs its few statements without the ORM session: each is a
SQLAlchemy Core construct compiled once for PostgreSQL with `$n` parameters, and each call passes values by
name. Nothing here converts values: the driver takes uuids, decimals, dates, strings and lists of them as
they are, and JSON is built by the statements themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECT = PGDialect_asyncpg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]


class Driver(Protocol):
    """What the lean path needs of a driver connection (asyncpg's `Connection` has it)."""

    async def fetchrow(self, query: str, *args: Any) -> Any: ...
    async def fetchval(self, query: str, *args: Any) -> Any: ...


@dataclass(frozen=True)
class Statement:
    sql: str
    names: tuple[str, ...]  # the parameter of each `$n`, in order
    constants: Mapping[str, Any]  # values the statement itself binds (SQLAlchemy's own literals)

    @classmethod
    def of(cls, statement: ClauseElement) -> Statement:
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        names = tuple(compiled.positiontup or ())
        return cls(str(compiled), names, dict(compiled.params))

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[name] if name in values else self.constants[name] for name in self.names]

    async def row(self, driver: Driver, values: Mapping[str, Any]) -> Any:
        return await driver.fetchrow(self.sql, *self.arguments(values))

    async def value(self, driver: Driver, values: Mapping[str, Any]) -> Any:
        return await driver.fetchval(self.sql, *self.arguments(values))

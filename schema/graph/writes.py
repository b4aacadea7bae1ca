"""A mutation's lean write, declared on its root field beside its resolver.

`lean(run)` goes in the mutation's metadata (`metadata=lean(run)`): `run(driver, principal, arguments)` makes
the change on the driver connection of a transaction the compiled path opened (Core statements, the same
checks and errors as the resolver) and returns the id of the row the payload shows. The compiled path
(`schema.compiled.writes`) then reads the payload in that transaction, compiled like a read; the resolver
stays the reference answer for everything else (errors included).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from authz.principal import Principal
from schema.graph.fields import GRAPH
from tenants.driver import Driver

Run = Callable[[Driver, Principal, dict[str, Any]], Awaitable[uuid.UUID]]


@dataclass(frozen=True, eq=False)
class LeanWrite:
    run: Run


def lean(run: Run) -> dict[str, Any]:
    """A mutation field's metadata declaring its lean write."""
    return {GRAPH: LeanWrite(run)}

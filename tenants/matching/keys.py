"""The stored matching keys of a company record: the one function every way of writing a customer or a
registration uses (the services, the import, the demo seed, approvals, and the migration that backfills)."""

from __future__ import annotations

from tenants.matching.domains import registrable_domain
from tenants.matching.names import name_key


def company_keys(name: str | None, domain: str | None) -> dict[str, str | None]:
    """`domain_key` (the registrable domain) and `name_key` (the normalised name) of a company."""
    return {"domain_key": registrable_domain(domain), "name_key": name_key(name)}

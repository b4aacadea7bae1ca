"""Plain-text filters shared by list queries: escaped ILIKE patterns and normalised domains."""

from __future__ import annotations


def contains(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def normalise_domain(value: str | None) -> str | None:
    """`https://www.Acme.com/about` -> `acme.com`; empty -> None."""
    if value is None:
        return None
    domain = value.strip().lower()
    for prefix in ("https://", "http://"):
        if domain.startswith(prefix):
            domain = domain[len(prefix) :]
    domain = domain.split("/", 1)[0].split(":", 1)[0]
    if domain.startswith("www."):
        domain = domain[4:]
    return domain or None

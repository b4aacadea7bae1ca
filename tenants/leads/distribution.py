"""Choosing the partner a lead is offered to: a pure function over plain data, deterministic.

The tenant's rules, in order:

1. Territory: a lead with a territory goes only to partners of that territory (case and surrounding
   spaces ignored); a lead without one may go to any partner.
2. Never to a partner that declined the lead or let an offer of it lapse (`refused`).
3. Capacity: a partner holding `capacity` open leads (or more) gets no more.
4. Tier weighting, as a weighted fair share: the partner with the fewest open leads *per unit of weight*
   wins, so a weight-3 partner holds about three leads for every one a weight-1 partner holds.
5. Round-robin among equals: of partners with the same share, the one that was offered a lead longest
   ago (never counts as longest) wins; then the smallest partner id, so the choice is always the same.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from fractions import Fraction

DEFAULT_WEIGHT = 1
DEFAULT_CAPACITY = 10
_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Candidate:
    partner_id: uuid.UUID
    territory: str | None
    weight: int = DEFAULT_WEIGHT
    capacity: int = DEFAULT_CAPACITY
    open_leads: int = 0
    last_assigned_at: dt.datetime | None = None


def _territory(value: str | None) -> str | None:
    value = (value or "").strip().casefold()
    return value or None


def eligible(
    candidates: Iterable[Candidate], territory: str | None, refused: Collection[uuid.UUID] = ()
) -> list[Candidate]:
    """The candidates rules 1 to 3 allow."""
    wanted = _territory(territory)
    return [
        c
        for c in candidates
        if (wanted is None or _territory(c.territory) == wanted)
        and c.partner_id not in refused
        and c.weight > 0
        and c.open_leads < c.capacity
    ]


def _rank(candidate: Candidate) -> tuple[Fraction, dt.datetime, str]:
    share = Fraction(candidate.open_leads, candidate.weight)
    return share, candidate.last_assigned_at or _NEVER, str(candidate.partner_id)


def choose(
    candidates: Iterable[Candidate], territory: str | None, refused: Collection[uuid.UUID] = ()
) -> uuid.UUID | None:
    """The partner to offer the lead to, or None when no partner may take it (it stays in the pool)."""
    allowed = eligible(candidates, territory, refused)
    if not allowed:
        return None
    return min(allowed, key=_rank).partner_id

"""Conflict checks: other partners' claims and the vendor's own deals on the same customer.

Candidates are fetched by the stored keys: equality on the registrable domain and the normalised name, and
trigram similarity of the normalised name (`pg_trgm`, a GIN index; typos, other word orders) — all under the
caller's row policies. The scorer in `tenants.matching.similarity` then decides over that short list, and
says which rule matched with what score.

A partner may not read other partners' registrations or the vendor's deals, so the check runs in a
`system` step inside the caller's transaction, and what a partner gets back is redacted: the kind of
conflict, the rule and the score, never the other partner or its registration.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import Audience, Principal
from tenants.customers.models import Customer
from tenants.database import system_step
from tenants.deals.models import Deal
from tenants.matching.similarity import Company, Match, compare
from tenants.registrations.models import CLAIMING, Registration, RegistrationConflict

MAX_CANDIDATES = 200
PARTNER_REASONS = {
    "partner_registration": "conflicts with another partner's registration",
    "partner_deal": "another partner is working a deal with this customer",
    "direct_deal": "the vendor is working a deal with this customer directly",
}


@dataclass(frozen=True)
class Found:
    """One conflict. `other_*` and `deal_id` are for vendors only; `redacted()` is what partners get."""

    kind: str
    match: Match
    other_registration_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None
    other_partner_id: uuid.UUID | None = None

    @property
    def reason(self) -> str:
        return f"{PARTNER_REASONS[self.kind]}: {self.match.reason}"

    def redacted(self) -> Found:
        return Found(self.kind, self.match)


async def lock_customer(session: AsyncSession, registration: Registration) -> None:
    """Serialise checks and approvals of registrations that could conflict: one transaction-level advisory
    lock per tenant. Similar names share no key a finer lock could take (a typo in the first word, another
    word order), and submissions and approvals are short, so the tenant's registrations queue on one lock."""
    key = f"registration:{registration.tenant_id}"
    await session.execute(text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def _candidates(model: type[Registration | Customer], registration: Registration) -> ColumnElement[bool]:
    """Rows sharing a key with the registration, or with a name of similar trigrams (`pg_trgm`'s `%`, at its
    default similarity threshold of 0.3: wide enough for the scorer, narrow enough for the index)."""
    conditions = [
        model.domain_key == registration.domain_key if registration.domain_key else None,
        model.name_key == registration.name_key if registration.name_key else None,
        model.name_key.op("%")(registration.name_key) if registration.name_key else None,
    ]
    return or_(*(c for c in conditions if c is not None))


def _closest(model: type[Registration | Customer], registration: Registration) -> list[ColumnElement[Any]]:
    """Candidates in order of likeness (the same domain first, then by name), so the `MAX_CANDIDATES` kept are
    the best ones."""
    return [
        model.domain_key.is_distinct_from(registration.domain_key),
        func.similarity(func.coalesce(model.name_key, ""), registration.name_key or "").desc(),
    ]


async def detect(session: AsyncSession, registration: Registration) -> list[Found]:
    """Conflicts as they stand now, strongest first. Run it as `system` (or a vendor)."""
    if not (registration.domain_key or registration.name_key):
        return []
    subject = Company(registration.company_name, registration.company_domain)
    found: list[Found] = []
    others = await session.execute(
        select(Registration)
        .where(
            _candidates(Registration, registration),
            Registration.status.in_(CLAIMING),
            Registration.partner_id != registration.partner_id,
            Registration.id != registration.id,
        )
        .order_by(*_closest(Registration, registration))
        .limit(MAX_CANDIDATES)
        .execution_options(populate_existing=True)
    )
    claimed_deals: set[uuid.UUID] = set()
    for other in others.scalars():
        match = compare(subject, Company(other.company_name, other.company_domain))
        if match is not None:
            found.append(Found("partner_registration", match, other.id, None, other.partner_id))
            if other.deal_id:
                claimed_deals.add(other.deal_id)
    customers = (
        select(Customer.id, Customer.name, Customer.domain)
        .where(_candidates(Customer, registration), Customer.archived_at.is_(None))
        .order_by(*_closest(Customer, registration))
        .limit(MAX_CANDIDATES)
    )
    matches = {
        cid: m
        for cid, name, domain in await session.execute(customers)
        if (m := compare(subject, Company(name, domain)))
    }
    if matches:
        deals = await session.execute(
            select(Deal.id, Deal.customer_id, Deal.partner_id).where(
                Deal.customer_id.in_(list(matches)), Deal.status == "open", Deal.archived_at.is_(None)
            )
        )
        for deal_id, customer_id, partner_id in deals:
            if partner_id == registration.partner_id or deal_id in claimed_deals:
                continue
            kind = "direct_deal" if partner_id is None else "partner_deal"
            found.append(Found(kind, matches[customer_id], None, deal_id, partner_id))
    return _strongest_each(found)


async def record(session: AsyncSession, registration: Registration, found: Iterable[Found]) -> None:
    """Replace the stored conflicts of `registration` with `found`. Run it as `system` (or a vendor)."""
    await session.execute(delete(RegistrationConflict).where(RegistrationConflict.registration_id == registration.id))
    for f in found:
        session.add(
            RegistrationConflict(
                tenant_id=registration.tenant_id,
                registration_id=registration.id,
                kind=f.kind,
                rule=f.match.rule,
                score=f.match.score,
                other_registration_id=f.other_registration_id,
                deal_id=f.deal_id,
                other_partner_id=f.other_partner_id,
            )
        )
    await session.flush()


async def stored(session: AsyncSession, registration_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Found]]:
    """Stored conflicts of each registration, from both sides (found when it was checked, and found when a
    later registration was checked against it), strongest first. Run it as `system` (or a vendor)."""
    rows = await session.execute(
        select(RegistrationConflict, Registration.partner_id)
        .join(Registration, Registration.id == RegistrationConflict.registration_id)
        .where(
            or_(
                RegistrationConflict.registration_id.in_(registration_ids),
                RegistrationConflict.other_registration_id.in_(registration_ids),
            )
        )
    )
    wanted = set(registration_ids)
    out: dict[uuid.UUID, list[Found]] = {i: [] for i in registration_ids}
    for row, registering_partner in rows:
        match = Match(row.rule, row.score)
        if row.registration_id in wanted:
            found = Found(row.kind, match, row.other_registration_id, row.deal_id, row.other_partner_id)
            out[row.registration_id].append(found)
        if row.other_registration_id in wanted:
            found = Found(row.kind, match, row.registration_id, None, registering_partner)
            out[row.other_registration_id].append(found)
    return {i: _strongest_each(f) for i, f in out.items()}


async def visible(
    session: AsyncSession, principal: Principal, registration_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Found]]:
    """Stored conflicts of registrations the caller's own row policies returned, as the caller may know them:
    a partner's are read in a `system` step (the rows are vendor-only) and redacted."""
    if principal.audience is not Audience.PARTNER:
        return await stored(session, registration_ids)
    async with system_step(session, principal):
        found = await stored(session, registration_ids)
    return {i: [f.redacted() for f in fs] for i, fs in found.items()}


def _strongest_each(found: list[Found]) -> list[Found]:
    """One entry per other registration or deal (the strongest), strongest first."""
    best: dict[tuple[str, uuid.UUID | None, uuid.UUID | None], Found] = {}
    for f in found:
        key = (f.kind, f.other_registration_id, f.deal_id)
        if key not in best or best[key].match.score < f.match.score:
            best[key] = f
    return sorted(best.values(), key=lambda c: -c.match.score)

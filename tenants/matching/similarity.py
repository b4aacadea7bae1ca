"""Scoring how likely two company records are the same customer, and saying which rule matched.

Rules, strongest first: the same host (`domain`, 100); the same registrable domain through a subdomain
(`registrable_domain`, 95); the same normalised name (`name`, 90); similar normalised names in the
same name block (`similar_name`, nine tenths of the similarity in percent, for a similarity of at least
`FUZZY_THRESHOLD`). The best rule wins. Each rule implies a shared stored key (registrable domain, name
key, name block), so what the scorer can match the database can fetch by equality.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from tenants.matching.domains import host_of, registrable_domain
from tenants.matching.names import name_block, name_key, name_tokens

FUZZY_THRESHOLD = 80


@dataclass(frozen=True)
class Company:
    name: str | None
    domain: str | None


@dataclass(frozen=True)
class Match:
    rule: str
    score: int

    @property
    def reason(self) -> str:
        return REASONS[self.rule]


REASONS = {
    "domain": "same domain",
    "registrable_domain": "same registrable domain (a subdomain of it)",
    "name": "same company name once case, punctuation and legal form are set aside",
    "similar_name": "similar company name",
}


def name_similarity(a: str | None, b: str | None) -> int:
    """0-100: the better of character similarity of the compact names and of their sorted words."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0
    compact = SequenceMatcher(None, "".join(ta), "".join(tb), autojunk=False).ratio()
    ordered = SequenceMatcher(None, " ".join(sorted(ta)), " ".join(sorted(tb)), autojunk=False).ratio()
    return round(100 * max(compact, ordered))


def compare(subject: Company, other: Company) -> Match | None:
    """The strongest rule by which `other` looks like `subject`'s company; None if none does."""
    key = registrable_domain(subject.domain)
    if key is not None and key == registrable_domain(other.domain):
        same_host = host_of(subject.domain) == host_of(other.domain)
        return Match("domain", 100) if same_host else Match("registrable_domain", 95)
    subject_key, other_key = name_key(subject.name), name_key(other.name)
    if subject_key is None or other_key is None:
        return None
    if subject_key == other_key:
        return Match("name", 90)
    # Only names in the same block are compared: the database fetches candidates (and approvals lock) by
    # block, so every match the scorer can make is one the conflict check can find.
    if name_block(subject_key) == name_block(other_key):
        similarity = name_similarity(subject.name, other.name)
        if similarity >= FUZZY_THRESHOLD:
            return Match("similar_name", similarity * 9 // 10)
    return None

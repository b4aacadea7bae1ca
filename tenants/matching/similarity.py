"""Scoring how likely two company records are the same customer, and saying which rule matched.

Rules, strongest first: the same host (`domain`, 100); the same registrable domain through a subdomain
(`registrable_domain`, 95); the same normalised name (`name`, 90); a similar name (`similar_name`, nine
tenths of its similarity in percent). The best rule wins.

Two names are similar when every identifying word of one has a counterpart in the other — the same word
(German umlauts written out or not: `Mueller`/`Müller`), a word that sounds the same with the same vowels
(Metaphone: `Akme`/`Acme`, not `Wagner`/`Wegner`), or a long word with one typo (`Pharmaceutical`/
`Pharmaceuticals`, `Schnieder`/`Schneider`) — in any order, and what the other has beyond them is only group
words (`Group`, `Holding`) and legal forms. Names in the wide scripts (Chinese, Japanese, Korean) are compared by
their normalised keys only: a character of difference there is another company (华为/华夏).
"""

from __future__ import annotations

from dataclasses import dataclass

import jellyfish
from rapidfuzz import fuzz

from tenants.matching.domains import host_of, registrable_domain
from tenants.matching.names import GROUP_WORDS, LEGAL_WORDS, is_wide, name_key, name_tokens

LONG_WORD = 7  # a word this long may carry one typo (a letter added, dropped, changed or two swapped)
LONGER_WORD = 10  # ...and this long, two
VOWELS = frozenset("aeiouy")
_UMLAUTS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


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
    "name": "same company name once case, punctuation, legal form and region are set aside",
    "similar_name": "similar company name (the same words in another order, spelled or typed differently)",
}


def _umlauts_folded(word: str) -> str:
    """`mueller` -> `muller` (as `Müller` is already), and British `-our` as American `-or`."""
    for written, letter in _UMLAUTS:
        word = word.replace(written, letter)
    if word.endswith("our") and len(word) > 4:
        word = word[:-3] + "or"
    return word


def _same_word(a: str, b: str) -> bool:
    a, b = _umlauts_folded(a), _umlauts_folded(b)
    if a == b or f"{a}s" == b or f"{b}s" == a:  # the plural is the same word
        return True
    vowels = sorted(c for c in a if c in VOWELS) == sorted(c for c in b if c in VOWELS)
    if vowels and jellyfish.metaphone(a) == jellyfish.metaphone(b):
        return True
    shorter = min(len(a), len(b))
    typos = 2 if shorter >= LONGER_WORD else 1 if shorter >= LONG_WORD else 0
    return a[0] == b[0] and jellyfish.damerau_levenshtein_distance(a, b) <= typos


def _covers(words: list[str], others: list[str]) -> bool:
    """Every word of `words` pairs with its own word of `others`; the rest of `others` is group words or legal
    forms (one that stands inside a name: "Globex Systems, Inc. (EMEA)")."""
    left = list(others)
    for word in sorted(words, key=len, reverse=True):
        partner = next((o for o in left if o == word), None) or next((o for o in left if _same_word(word, o)), None)
        if partner is None:
            return False
        left.remove(partner)
    return all(o in GROUP_WORDS or o in LEGAL_WORDS for o in left)


def name_similarity(a: str | None, b: str | None) -> int:
    """0-100: the better of the spelling similarity of the compact names and of their sorted words."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0
    return round(max(fuzz.ratio("".join(ta), "".join(tb)), fuzz.token_sort_ratio(" ".join(ta), " ".join(tb))))


def similar_names(a: str | None, b: str | None) -> bool:
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb or is_wide(ta[0]) or is_wide(tb[0]):
        return False
    if _umlauts_folded("".join(ta)) == _umlauts_folded("".join(tb)):
        return True  # the same letters split into other words: "Logistik Systeme" / "Logistiksysteme"
    shorter, longer = sorted((ta, tb), key=len)
    return _covers(shorter, longer)


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
    if similar_names(subject.name, other.name):
        return Match("similar_name", name_similarity(subject.name, other.name) * 9 // 10)
    return None

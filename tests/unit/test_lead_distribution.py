"""The distribution rules as a deterministic table: partners (territory, tier weight, capacity, declines)
and a stream of leads, with the partner each lead must go to. No database."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import replace

import pytest

from tenants.leads.distribution import Candidate, choose, eligible


def pid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


A, B, C, D, E, F = (pid(n) for n in range(1, 7))
NAMES = {A: "A", B: "B", C: "C", D: "D", E: "E", F: "F"}
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

# partner: territory, tier weight, capacity, open leads at the start, last offered at
PARTNERS = [
    Candidate(A, "EMEA", weight=3, capacity=3),  # gold: three shares, three places
    Candidate(B, "emea ", weight=1, capacity=2),  # silver; territory compared without case or spaces
    Candidate(C, "EMEA", weight=1, capacity=0),  # no capacity at all
    Candidate(D, "AMER", weight=3, capacity=5),
    Candidate(E, "EMEA", weight=1, capacity=5),
    Candidate(F, "APAC", weight=1, capacity=1, open_leads=1),  # already full
]

# lead territory, partners that declined it (or let it lapse), expected partner (None: stays in the pool)
LEADS = [
    ("EMEA", set(), "A"),  # everyone at share 0, never offered: smallest id
    ("EMEA", set(), "B"),  # A now at 1/3; B and E at 0, both never offered: B
    ("EMEA", set(), "E"),  # E is the last at share 0
    ("EMEA", set(), "A"),  # A 1/3 < B 1/1 = E 1/1
    ("EMEA", set(), "A"),  # A 2/3 < 1: A now holds 3 = its capacity
    ("EMEA", set(), "B"),  # A full; B and E at 1, B offered longer ago: round-robin
    ("EMEA", {"E"}, None),  # B full (2), A full, C has no capacity, E declined it: pool
    ("EMEA", set(), "E"),
    ("AMER", {"D"}, None),  # the only AMER partner declined
    ("AMER", set(), "D"),
    ("APAC", set(), None),  # F is full
    ("LATAM", set(), None),  # nobody in the territory
    (None, {"D"}, "E"),  # no territory: anyone; D declined, A and B full, E (at 2) is the only one left
    (None, set(), "D"),  # D at 1/3 < E at 3/1
]


def run(partners: list[Candidate]) -> list[str | None]:
    state = {c.partner_id: c for c in partners}
    by_name = {v: k for k, v in NAMES.items()}
    chosen = []
    for step, (territory, declined, _) in enumerate(LEADS):
        partner = choose(state.values(), territory, {by_name[n] for n in declined})
        chosen.append(NAMES.get(partner))
        if partner is not None:
            held = state[partner]
            state[partner] = replace(
                held, open_leads=held.open_leads + 1, last_assigned_at=T0 + dt.timedelta(minutes=step)
            )
    return chosen


def test_the_table():
    assert run(PARTNERS) == [expected for _, _, expected in LEADS]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(PARTNERS))))[::97])
def test_the_order_of_candidates_does_not_matter(order):
    assert run([PARTNERS[i] for i in order]) == [expected for _, _, expected in LEADS]


def test_round_robin_among_equals_follows_the_last_offer():
    early, late = T0, T0 + dt.timedelta(hours=1)
    peers = [Candidate(A, "X", last_assigned_at=late), Candidate(B, "X", last_assigned_at=early)]
    assert choose(peers, "X") == B
    assert choose([replace(peers[1], last_assigned_at=None), peers[0]], "X") == B  # never beats any time
    assert choose([replace(peers[1], last_assigned_at=late), peers[0]], "X") == A  # a full tie: smallest id


def test_weighting_is_a_fair_share():
    gold, silver = Candidate(A, None, weight=3, capacity=100), Candidate(B, None, weight=1, capacity=100)
    counts = {A: 0, B: 0}
    state = [gold, silver]
    for step in range(40):
        chosen = choose(state, None)
        counts[chosen] += 1
        state = [
            replace(c, open_leads=c.open_leads + 1, last_assigned_at=T0 + dt.timedelta(minutes=step))
            if c.partner_id == chosen
            else c
            for c in state
        ]
    assert counts == {A: 30, B: 10}


def test_eligibility():
    assert {c.partner_id for c in eligible(PARTNERS, " emea")} == {A, B, E}
    assert {c.partner_id for c in eligible(PARTNERS, "EMEA", {A, E})} == {B}
    assert {c.partner_id for c in eligible(PARTNERS, None)} == {A, B, D, E}
    assert eligible([], "EMEA") == []
    assert choose([], None) is None

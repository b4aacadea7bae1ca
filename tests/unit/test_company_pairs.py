"""Recall and precision of the name scorer on labelled pairs of company names in several languages.

`company_pairs.tsv` was written beside the scorer; `company_pairs_holdout.tsv` was written independently by
someone who had not seen the scorer (docs/architecture.md, "Conflict matching", records the figures before
and after). Both must keep recall at least 0.90 at precision at least 0.95.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from tenants.matching.similarity import Company, compare

HERE = Path(__file__).parent


def _pairs(name: str) -> list[tuple[bool, str, str, str]]:
    with (HERE / name).open(encoding="utf-8") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and not r[0].startswith("#")]
    assert rows[0] == ["label", "lang", "a", "b"]
    return [(label == "1", lang, a, b) for label, lang, a, b in rows[1:]]


@pytest.mark.parametrize("name", ["company_pairs.tsv", "company_pairs_holdout.tsv"])
def test_recall_and_precision(name: str) -> None:
    pairs = _pairs(name)
    languages = Counter(lang for _, lang, _, _ in pairs)
    assert len(pairs) >= 200 and languages["zh"] >= 40 and len(languages) >= 8
    outcome: Counter[str] = Counter()
    misses = []
    for same, lang, a, b in pairs:
        found = compare(Company(a, None), Company(b, None)) is not None
        assert found == (compare(Company(b, None), Company(a, None)) is not None), (a, b)  # symmetric
        outcome["tp" if same and found else "fn" if same else "fp" if found else "tn"] += 1
        if same != found:
            misses.append((lang, a, b, "missed" if same else "false match"))
    recall = outcome["tp"] / (outcome["tp"] + outcome["fn"])
    precision = outcome["tp"] / (outcome["tp"] + outcome["fp"])
    print(f"{name}: {len(pairs)} pairs, recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= 0.90 and precision >= 0.95, misses

"""Conflict matching without a database: normalised names and domains, and the table of cases with the
rule that matched and its score."""

# ruff: noqa: RUF001 - full-width characters are the point of several cases

from __future__ import annotations

import pytest

from tenants.matching.domains import host_of, registrable_domain
from tenants.matching.names import name_key
from tenants.matching.similarity import Company, compare

# (registration, other record, expected rule or None, expected score or None)
CASES = [
    # Domains: case, scheme, path, www., subdomains of one registrable domain (public suffix list).
    (("Acme", "acme.com"), ("Zenith", "ACME.com"), "domain", 100),
    (("Acme", "https://www.acme.com/about"), ("Zenith", "acme.com"), "domain", 100),
    (("Acme", "acme.co.uk"), ("Zenith", "shop.acme.co.uk"), "registrable_domain", 95),
    (("Acme", "eu.shop.acme.com"), ("Zenith", "us.acme.com"), "registrable_domain", 95),
    (("Acme", "acme.co.uk"), ("Zenith", "other.co.uk"), None, None),
    (("Acme", "a.github.io"), ("Zenith", "b.github.io"), None, None),  # private suffixes count too
    (("Acme", "acme.com"), ("Zenith", "acme.de"), None, None),  # a different TLD is another domain
    (("Acme GmbH", "acme.de"), ("ACME Inc.", "acme.com"), "name", 90),  # ...but the names may still match
    (("例子", "例子.中国"), ("别的", "www.例子.中国"), "domain", 100),
    (("Example", "xn--fsqu00a.xn--fiqs8s"), ("Other", "例子.中国"), "domain", 100),  # IDNA labels decoded
    # Names: case, punctuation, full-width forms, legal forms in several languages.
    (("ACME, Inc.", None), ("Acme Ltd", None), "name", 90),
    (("ＡＣＭＥ　株式会社", None), ("acme", None), "name", 90),
    (("Müller GmbH & Co. KG", None), ("Muller", None), "name", 90),
    (("Société Générale S.A.", None), ("Societe Generale", None), "name", 90),
    (("The Globex Corporation", None), ("Globex Corp.", None), "name", 90),
    (("鴻海精密工業股份有限公司", None), ("鴻海精密工業", None), "name", 90),
    (("阿里巴巴（中国）有限公司", None), ("阿里巴巴(中国)", None), "name", 90),
    (("株式会社ソニー", None), ("ソニー株式会社", None), "name", 90),
    (("삼성전자 주식회사", None), ("삼성전자", None), "name", 90),
    # Similar names: fuzzy, scored at nine tenths of the similarity.
    (("Acme Widgets Ltd", None), ("ACME Widget", None), "similar_name", 86),
    # Reordered words, a typo in the first word, transliteration, region and industry words in Chinese.
    (("Widgets Acme", None), ("Acme Widgets", None), "similar_name", 90),
    (("Akme Robotics", None), ("Acme Robotics", None), "similar_name", 82),
    (("Mueller Maschinenbau", None), ("Müller Maschinenbau", None), "similar_name", 87),
    (("Яндекс", None), ("Yandex", None), "similar_name", 69),
    (("北京字节跳动科技有限公司", None), ("字节跳动", None), "name", 90),
    (("字節跳動有限公司", None), ("字节跳动", None), "name", 90),
    (("阿里巴巴网络技术有限公司", None), ("阿里巴巴(中国)网络技术有限公司", None), "name", 90),
    (("Contoso Pharmaceuticals", None), ("Contoso Pharmaceutical Inc", None), "similar_name", 88),
    # Unrelated names, near misses among them.
    (("Trey Research", None), ("Grey Research", None), None, None),
    (("Wagner Holzbau", None), ("Wegner Holzbau", None), None, None),
    (("Ferrari", None), ("Ferrero", None), None, None),
    (("华为技术有限公司", None), ("华夏技术有限公司", None), None, None),
    (("Initech", None), ("Initrode", None), None, None),
    (("Microsoft", None), ("Microsoft Japan", None), None, None),
    (("腾讯科技有限公司", None), ("阿里巴巴有限公司", None), None, None),
    (("Acme", None), ("Zenith", None), None, None),
    # The strongest rule wins: a shared domain beats a different name.
    (("Acme", "acme.com"), ("Completely Different", "sales.acme.com"), "registrable_domain", 95),
]


@pytest.mark.parametrize(("subject", "other", "rule", "score"), CASES, ids=[f"{c[0][0]}~{c[1][0]}" for c in CASES])
def test_conflict_cases(subject, other, rule, score):
    match = compare(Company(*subject), Company(*other))
    if rule is None:
        assert match is None, match
    else:
        assert match is not None, f"expected {rule}"
        assert (match.rule, match.score) == (rule, score)
        assert match.reason


def test_matching_is_symmetric_for_the_table():
    for subject, other, rule, _ in CASES:
        back = compare(Company(*other), Company(*subject))
        assert (back.rule if back else None) == rule, (subject, other)


@pytest.mark.parametrize(
    ("value", "host", "registrable"),
    [
        ("https://WWW.Acme.co.uk:443/x?y#z", "acme.co.uk", "acme.co.uk"),
        ("shop.acme.co.uk.", "shop.acme.co.uk", "acme.co.uk"),
        ("sales@eu.acme.com", "eu.acme.com", "acme.com"),
        ("ａｃｍｅ．ｃｏｍ", "acme.com", "acme.com"),  # full-width
        ("co.uk", "co.uk", None),  # a public suffix alone is nobody's domain
        ("localhost", "localhost", None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_domains(value, host, registrable):
    assert host_of(value) == host
    assert registrable_domain(value) == registrable


def test_name_keys():
    assert name_key("ACME, Inc.") == name_key("Acme Limited") == "acme"
    assert name_key("Inc.") == "inc"  # a name that is only a legal form is kept, not emptied
    assert name_key("   ") is None and name_key(None) is None
    assert name_key("Robert Bosch Gesellschaft mit beschränkter Haftung") == name_key("Robert Bosch GmbH")
    assert name_key("ООО Лукойл") == "lukoyl"
    assert name_key("深圳市腾讯计算机系统有限公司") == "腾讯"
    assert name_key("百度在线网络技术(北京)有限公司") == "百度"

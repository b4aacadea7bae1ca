"""Company names reduced to what identifies the company: any script, full-width forms, punctuation,
accents on Latin letters, and legal forms in several languages taken away.

`name_key` is the compact normalised name (equality finds exact matches through an index);
`name_block` is a short prefix of it that fuzzy candidates must share (the cheap key that bounds
how many rows the scorer sees, and the key approvals lock on).
"""

from __future__ import annotations

import unicodedata

# Legal forms written as separate words (after punctuation is gone: "S.A." -> "sa", "Co., Ltd." -> "co ltd").
LEGAL_WORDS = frozenset(
    " ".join(
        (
            "inc incorporated corp corporation co company ltd limited llc llp lp plc pty pte",  # English
            "gmbh mbh ag kg ohg ug ev kgaa se bv nv vof ab as asa aps oy oyj hf",  # German, Dutch, Nordic
            "sa sas sasu sarl eurl snc sl slu srl spa sapa scs lda ltda cia sca eireli",  # Romance languages
            "sro sp z oo kft zrt nyrt doo dd ood ead oao zao ooo pao",  # Central and Eastern Europe
            "kk yk gk bhd sdn tbk pvt jsc",  # Asia, romanised
        )
    ).split()
)
# Legal forms written without spaces, at the end (Chinese) or at either end (Japanese, Korean).
LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "集团有限公司",
    "集團有限公司",
    "有限公司",
    "集团公司",
    "集團公司",
    "公司",
    "株式会社",
    "有限会社",
    "合同会社",
    "주식회사",
    "유한회사",
)
LEGAL_AFFIXES = ("株式会社", "有限会社", "合同会社", "주식회사", "유한회사", "(주)", "(株)", "(有)")
LEADING_WORDS = frozenset({"the"})


def _fold(text: str) -> str:
    """NFKC (full-width to plain forms), case folded, accents dropped from Latin letters only."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    return unicodedata.normalize("NFKC", "".join(kept)).casefold()


def _strip_affixes(text: str) -> str:
    changed = True
    while changed:
        changed = False
        text = text.strip()
        for affix in LEGAL_AFFIXES:
            if text.startswith(affix) and len(text) > len(affix):
                text, changed = text[len(affix) :], True
        for suffix in LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
    return text


def name_tokens(name: str | None) -> list[str]:
    """The words of a company name that identify it: `"ACME, Inc."` -> `["acme"]`."""
    if not name:
        return []
    folded = _strip_affixes(_fold(name))
    cleaned = []
    for char in folded:
        category = unicodedata.category(char)
        if char in ".'\u2019":
            continue  # abbreviations and apostrophes join: "s.a." -> "sa", "o'neil" -> "oneil"
        cleaned.append(" " if category[0] in "PSZC" else char)
    words = "".join(cleaned).split()
    while len(words) > 1 and words[0] in LEADING_WORDS:
        words.pop(0)
    while len(words) > 1 and words[-1] in LEGAL_WORDS:
        words.pop()
    if len(words) > 1 or (words and words[0] not in LEGAL_WORDS):
        # A suffix written without spaces may now stand at the end: "阿里巴巴 有限公司".
        words[-1:] = [w for w in [_strip_affixes(words[-1])] if w]
    return words


def name_key(name: str | None) -> str | None:
    """The compact normalised name; equal keys mean the same name once forms and punctuation go."""
    return "".join(name_tokens(name)) or None


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def name_block(key: str | None) -> str | None:
    """The first characters of a name key: two of a wide script (CJK), four otherwise."""
    if not key:
        return None
    return key[:2] if _wide(key[0]) else key[:4]

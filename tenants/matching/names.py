"""Company names reduced to what identifies the company: any script, full-width forms, punctuation,
accents, legal forms in several languages, and in Chinese names the region prefix and the industry words
taken away; Chinese in simplified characters whatever it was written in (OpenCC).

`name_tokens` are the identifying words, transliterated to Latin letters for every script but the wide ones
(Chinese, Japanese, Korean keep their characters: one character of difference is another company there);
`name_key` is the compact form of them — equal keys mean the same name, and the database finds candidates
by equality and by trigram similarity on it.
"""

from __future__ import annotations

import re
import unicodedata

import opencc
from anyascii import anyascii

# Legal forms written as separate words (after punctuation is gone: "S.A." -> "sa", "Co., Ltd." -> "co ltd").
LEGAL_WORDS = frozenset(
    " ".join(
        (
            "inc incorporated corp corporation co company ltd limited llc llp lp plc pty pte",  # English
            "gmbh mbh ag kg ohg ug ev kgaa se bv nv vof ab as asa aps oy oyj hf",  # German, Dutch, Nordic
            "sa sas sasu sarl eurl snc sl slu srl spa sapa scs lda ltda cia sca eireli",  # Romance languages
            "sro sp z oo kft zrt nyrt doo dd ood ead oao zao ooo pao ao",  # Central and Eastern Europe
            "kk yk gk bhd sdn tbk pvt jsc",  # Asia, romanised
        )
    ).split()
)
# Legal forms that stand first in some languages ("OOO Lukoil", "PAO Gazprom", "Oy Karl Fazer").
LEADING_LEGAL_WORDS = frozenset("ooo oao zao pao ao tov pt cv oy ab as".split())
# Words that introduce a company's name and identify nothing ("Compagnie de Saint-Gobain", "Koninklijke Philips").
LEADING_WORDS = frozenset("the compagnie compania companhia compagnia koninklijke".split())
# Words that join and identify nothing; dropped while other words remain.
CONNECTING_WORDS = frozenset("the and und et y e en og och of der den de van von du des di da la le les el".split())
# Legal forms spelled out, in the short form the word list knows.
LEGAL_PHRASES = (
    ("gesellschaft mit beschrankter haftung", "gmbh"),
    ("aktiengesellschaft", "ag"),
    ("spolka z ograniczona odpowiedzialnoscia", "sp z oo"),
    ("spolka akcyjna", "sa"),
    ("anonim sirketi", "as"),
    ("limited liability company", "llc"),
    ("societe anonyme", "sa"),
    ("sociedad anonima", "sa"),
    ("sociedade anonima", "sa"),
    ("societa per azioni", "spa"),
    ("naamloze vennootschap", "nv"),
    ("besloten vennootschap", "bv"),
    ("aktieselskab", "as"),
    ("aktiebolag", "ab"),
    ("osakeyhtio", "oy"),
    ("a s", "as"),
    ("publ", ""),
)
# Abbreviations written for words of a name ("Intl", "Hnos", "Dt."): compared as the words they stand for.
ABBREVIATIONS = {
    "intl": "international",
    "int": "international",
    "natl": "national",
    "mtn": "mountain",
    "svcs": "services",
    "svc": "service",
    "sys": "systems",
    "mfg": "manufacturing",
    "mgmt": "management",
    "bros": "brothers",
    "assoc": "associates",
    "grp": "group",
    "hldgs": "holdings",
    "tech": "technology",
    "dt": "deutsche",
    "cie": "compagnie",
    "gle": "generale",
    "ets": "etablissements",
    "hnos": "hermanos",
    "flli": "fratelli",
    "off": "officine",
    "mecc": "meccaniche",
    "vd": "van der",
    "cia": "companhia",
}
# Words a group adds to its name; a name may carry them or not.
GROUP_WORDS = frozenset("group groupe gruppe grupo gruppo holding holdings".split())

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
LEGAL_AFFIXES = ("株式会社", "有限会社", "合同会社", "주식회사", "유한회사", "(주)", "(株)", "(有)")  # either end
# Chinese company names read [region][trade name][industry][legal form]; the trade name identifies it.
REGIONS = tuple(
    sorted(
        (
            "中国 中華 中华 北京 上海 天津 重庆 重慶 深圳 广州 廣州 杭州 南京 苏州"
            " 蘇州 成都 武汉 武漢 西安 宁波 寧波 厦门 廈門 青岛 青島 大连 大連 珠海"
            " 东莞 東莞 佛山 无锡 無錫 长沙 長沙 郑州 鄭州 合肥 济南 濟南 福州 昆明"
            " 沈阳 瀋陽 哈尔滨 香港 澳门 澳門 台湾 臺灣 台北 臺北 广东 廣東 江苏 江蘇"
            " 浙江 山东 山東 河南 河北 湖南 湖北 四川 福建 安徽 江西 辽宁 遼寧 吉林"
            " 黑龙江 山西 陕西 陝西 甘肃 青海 云南 雲南 贵州 貴州 海南 内蒙古 广西 廣西"
            " 西藏 宁夏 新疆"
        ).split(),
        key=len,
        reverse=True,
    )
)
REGION_MARKS = ("市", "省", "区", "區")
INDUSTRY_WORDS = tuple(
    sorted(
        (
            "科技 技术 技術 网络 網絡 網路 信息 資訊 软件 軟件 軟體 电子 電子 数据 數據 智能 实业 實業 贸易 貿易 控股"
            " 集团 集團 新能源 计算机 計算機 系统 系統 在线 在線 电器 電器 工业 工業 通讯 通訊 创新 創新 家电 家電"
            " 汽车 汽車 发展 發展 国际 國際 投资 投資 数字 數字 产业 產業 半导体 半導體 制造 製造 保险 保險"
        ).split(),
        key=len,
        reverse=True,
    )
)
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
_WEB_SUFFIX = re.compile(r"\.(com|net|org|io)\b")
_TO_SIMPLIFIED = opencc.OpenCC("t2s")


def _fold(text: str) -> str:
    """NFKC (full-width to plain forms), case folded, accents dropped from Latin letters only, Chinese in
    simplified characters."""
    if any(_wide(c) for c in text):
        text = _TO_SIMPLIFIED.convert(text)
    decomposed = unicodedata.normalize("NFKD", text)
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    return unicodedata.normalize("NFKC", "".join(kept)).casefold()


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _latin(text: str) -> str:
    """Every character of a narrow script in Latin letters ("Яндекс" -> "yandeks", "Møller" -> "moller");
    the wide scripts' characters kept."""
    return "".join(c if _wide(c) else anyascii(c).lower() for c in text)


def _strip_affixes(text: str) -> str:
    changed = True
    while changed:
        changed = False
        text = text.strip()
        for affix in LEGAL_AFFIXES:
            if text.startswith(affix) and len(text) > len(affix):
                text, changed = text[len(affix) :], True
            if text.endswith(affix) and len(text) > len(affix):
                text, changed = text[: -len(affix)], True
        for suffix in LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
    return text


def _chinese_core(word: str) -> str:
    """The trade name of a Chinese company name: region prefix and industry words gone, two characters kept
    at least (`北京字节跳动科技` -> `字节跳动`)."""
    for region in REGIONS:
        if word.startswith(region):
            rest = word[len(region) :]
            rest = rest[1:] if rest[:1] in REGION_MARKS else rest
            if len(rest) >= 2:
                word = rest
            break
    changed = True
    while changed:
        changed = False
        for industry in INDUSTRY_WORDS:
            if word.endswith(industry) and len(word) - len(industry) >= 2:
                word, changed = word[: -len(industry)], True
    return word


def _without_regions(text: str) -> str:
    """`阿里巴巴(中国)有限公司` -> `阿里巴巴有限公司`: a parenthesised region says where, not who."""
    return _PARENTHESISED.sub(lambda m: "" if m.group(1).strip() in REGIONS + INDUSTRY_WORDS else m.group(0), text)


def _short_forms(words: list[str]) -> list[str]:
    """Legal forms spelled out become their short forms; abbreviations of words become the words."""
    text = " ".join(ABBREVIATIONS.get(w, w) for w in words)
    for phrase, short in LEGAL_PHRASES:
        text = re.sub(rf"(^| ){phrase}( |$)", rf"\g<1>{short}\g<2>", text)
    return text.split()


def name_tokens(name: str | None) -> list[str]:
    """The words of a company name that identify it: `"ACME, Inc."` -> `["acme"]`."""
    if not name:
        return []
    folded = _WEB_SUFFIX.sub("", _strip_affixes(_without_regions(_fold(name))))
    cleaned = []
    for char in _latin(folded):
        category = unicodedata.category(char)
        if char in ".'\u2019":
            continue  # abbreviations and apostrophes join: "s.a." -> "sa", "o'neil" -> "oneil"
        cleaned.append(" " if category[0] in "PSZC" else char)
    words = _short_forms("".join(cleaned).split())
    while len(words) > 1 and (words[0] in LEADING_LEGAL_WORDS or words[0] in LEADING_WORDS):
        words.pop(0)
    while len(words) > 1 and words[-1] in LEGAL_WORDS:
        words.pop()
    if len(words) > 1 or (words and words[0] not in LEGAL_WORDS):
        # A suffix written without spaces may now stand at the end: "阿里巴巴 有限公司".
        words[-1:] = [w for w in [_strip_affixes(words[-1])] if w]
    if len(words) > 1:
        words = [w for w in words if w not in CONNECTING_WORDS] or words
    words = [_chinese_core(w) if _wide(w[0]) else w for w in words]
    if len(words) > 1 and all(_wide(w[0]) for w in words):
        # Chinese written with spaces or a region in brackets: one name, one core.
        words = [_chinese_core("".join(words))]
    return words


def name_key(name: str | None) -> str | None:
    """The compact normalised name; equal keys mean the same name once forms and punctuation go."""
    return "".join(name_tokens(name)) or None


def is_wide(key: str) -> bool:
    """Whether a key is written in a wide script (compared by equality, not by spelling distance)."""
    return _wide(key[0])

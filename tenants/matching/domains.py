"""Domains reduced to the registrable domain under the Public Suffix List (a bundled, offline snapshot).

`shop.acme.co.uk`, `www.acme.co.uk` and `https://ACME.co.uk/about` are all `acme.co.uk`; `other.co.uk`
is not. A bare public suffix (`co.uk`) or an unknown single label has no registrable domain.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

_LIST = PublicSuffixList()  # reads the snapshot shipped with the package; never fetches


def host_of(value: str | None) -> str | None:
    """The host of a URL, e-mail address or bare domain, lower case, IDNA labels decoded, no `www.`."""
    if not value:
        return None
    host = unicodedata.normalize("NFKC", value).strip().casefold()
    if "://" in host:
        host = host.split("://", 1)[1]
    host = host.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    labels = [_unicode_label(label) for label in host.split(".") if label]
    if labels and labels[0] == "www":
        labels = labels[1:]
    return ".".join(labels) or None


def _unicode_label(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label.encode("ascii").decode("idna")
        except UnicodeError:
            return label
    return label


@lru_cache(maxsize=4096)
def registrable_domain(value: str | None) -> str | None:
    """`shop.acme.co.uk` -> `acme.co.uk`; None when there is no registrable domain."""
    host = host_of(value)
    if not host or "." not in host:
        return None
    return _LIST.privatesuffix(host)

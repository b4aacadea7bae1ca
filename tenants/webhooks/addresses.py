"""Where webhooks may go: public http(s) addresses only, unless the deployment allows private ones (SSRF)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from tenants.errors import BadInput

MAX_URL = 2048


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that are not http(s), or that resolve to private, loopback or link-local addresses.

    Checked when an endpoint is registered and again before every delivery (names can be re-pointed).
    """
    if len(url) > MAX_URL:
        raise BadInput(f"a webhook URL is at most {MAX_URL} characters", field="url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput("a webhook URL is http:// or https:// with a host", field="url")
    if parts.username or parts.password:
        raise BadInput("no credentials in webhook URLs; sign with the endpoint secret instead", field="url")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError):
        raise BadInput(f"cannot resolve {parts.hostname!r}", field="url") from None
    for info in infos:
        host = info[4][0]
        if not isinstance(host, str):  # (int, bytes): an IPv6 address on a Python built without IPv6
            raise BadInput(f"cannot read an address of {parts.hostname!r}", field="url")
        address = ipaddress.ip_address(host.split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise BadInput(f"{parts.hostname} resolves to a non-public address ({address})", field="url")

"""Webhook URLs: only public http(s) destinations unless the deployment allows private ones (SSRF)."""

from __future__ import annotations

import pytest

from tenants.errors import BadInput
from tenants.webhooks.addresses import check_url
from tenants.webhooks.signing import sign, verify


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "ftp://example.com/hook",
        "https://user:pass@example.com/hook",
        "not a url",
    ],
)
def test_refused_destinations(url):
    with pytest.raises(BadInput):
        check_url(url, allow_private=False)


def test_private_destinations_when_the_deployment_allows_them():
    check_url("http://127.0.0.1:9000/hook", allow_private=True)
    with pytest.raises(BadInput):
        check_url("file:///etc/passwd", allow_private=True)


def test_signature_round_trip_and_tampering():
    body = b'{"id": "e1"}'
    header = sign("whsec_x", 1_700_000_000, body)
    assert verify("whsec_x", header, body, now=1_700_000_010)
    assert not verify("whsec_x", header, body + b" ", now=1_700_000_010)
    assert not verify("whsec_y", header, body, now=1_700_000_010)
    assert not verify("whsec_x", header, body, now=1_700_000_000 + 3600)  # replayed much later
    assert not verify("whsec_x", "garbage", body, now=1_700_000_010)

"""Webhook signatures: HMAC-SHA256 over `<timestamp>.<body>` with the endpoint's secret.

A receiver reads `ChannelGraph-Signature: t=<unix seconds>,v1=<hex digest>`, recomputes
`hex(hmac_sha256(secret, f"{t}.".encode() + raw_body))`, compares in constant time, and rejects
timestamps older than a few minutes (replays). `ChannelGraph-Event-Id` is stable across retries (dedupe
on it); `ChannelGraph-Delivery-Id` is new for every attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "ChannelGraph-Signature"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, now: int) -> bool:
    """What a receiver does; used by the tests as a receiver would."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), f"t={timestamp},v1={fields.get('v1', '')}")

"""Secrets: API keys `cg_<key id>_<secret>`, one-time invitation tokens, password hashes.

High-entropy secrets are stored as SHA-256 digests (fast, and safe for 256-bit randomness); only
human-chosen passwords get argon2.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "cg_"
INVITATION_PREFIX = "cgi_"
_KEY_ID_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"
_passwords = PasswordHasher()


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    secret: str

    @property
    def token(self) -> str:
        return f"{API_KEY_PREFIX}{self.key_id}_{self.secret}"


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def same_digest(secret: str, stored: bytes) -> bool:
    return hmac.compare_digest(digest(secret), stored)


def issue_api_key() -> IssuedKey:
    key_id = "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(16))
    return IssuedKey(key_id=key_id, secret=secrets.token_urlsafe(32))


def parse_api_key(token: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    if not token.startswith(API_KEY_PREFIX):
        return None
    key_id, sep, secret = token[len(API_KEY_PREFIX) :].partition("_")
    if not sep or len(key_id) != 16 or any(c not in _KEY_ID_ALPHABET for c in key_id) or len(secret) < 32:
        return None
    return key_id, secret


def issue_invitation_token() -> str:
    return INVITATION_PREFIX + secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    return _passwords.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _passwords.hash(secrets.token_urlsafe(16))


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches; without a stored hash (an unknown user, no password yet), the same work is
    done against a throwaway hash, so the answer's timing reveals nothing."""
    if not stored:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _passwords.verify(_dummy_hash(), password)
        return False
    try:
        return _passwords.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False

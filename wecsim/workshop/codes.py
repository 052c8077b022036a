"""Join codes and the facilitator key: random, unguessable, stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: Random bytes in a code (16 bytes = 128 bits, as ``secrets`` recommends for tokens; 22 characters).
CODE_BYTES = 16


def new_code() -> str:
    """Return a new URL-safe random code."""
    return secrets.token_urlsafe(CODE_BYTES)


def digest(code: str) -> str:
    """Return the SHA-256 of a code (hex); only this is stored."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def matches(code: str, stored_digest: str) -> bool:
    """Whether ``code`` is the one whose digest was stored (constant-time comparison)."""
    return hmac.compare_digest(digest(code), stored_digest)

"""Bearer secrets (withdrawal tokens): random, shown once, kept only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

WITHDRAWAL_TOKEN_PREFIX = "wdr_"  # noqa: S105 - a label on each token, not a secret


@dataclass(frozen=True)
class IssuedToken:
    """A token to hand to its holder once, and the hash that is the only thing stored."""

    token: str
    token_hash: str


def hash_token(token: str) -> str:
    """Hash a token for storage and lookup.

    A plain SHA-256 suffices because the token carries 256 random bits: nothing can be guessed from the hash.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(prefix: str = WITHDRAWAL_TOKEN_PREFIX) -> IssuedToken:
    """Create a new random token and its storage hash."""
    token = prefix + secrets.token_urlsafe(32)
    return IssuedToken(token=token, token_hash=hash_token(token))


def token_matches(token: str, stored_hash: str) -> bool:
    """Tell, in constant time, whether `token` is the one whose hash was stored."""
    return hmac.compare_digest(hash_token(token), stored_hash)

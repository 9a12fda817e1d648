"""Verified bearer tokens remembered until they expire, so a client's next request skips the signature check.

An entry is keyed by a SHA-256 digest of the token's exact text: a token changed by one character is another key
and is verified anew. It holds what verification established (the claims as a principal, and which issuer and
key source vouched for them) and is dropped at the token's `exp`, or earlier when the keys it was checked against
may have changed: a key set fetched from a JWKS endpoint is trusted for `JWKS_LIFESPAN_SECONDS`, and so is no entry
verified with it. Everything the registry decides (whether the organisation is still listed and active, its kind,
its issuer and key set, its mandates) is not cached here: the verifier checks it again on every request against
the snapshot it holds, so a suspension or removal refuses a remembered token as soon as it refuses a new one.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

# How long a key set fetched from an identity provider is used before it is fetched again (PyJWKClient lifespan).
JWKS_LIFESPAN_SECONDS = 300
DEFAULT_MAX_ENTRIES = 10_000

P = TypeVar("P")


# Who vouched for a token: the organisation it claims, the issuer and the JWKS URL it was verified against.
Source = tuple[str, str, str | None]


@dataclass(frozen=True)
class Verified(Generic[P]):
    """What verifying one token established, and until when it holds."""

    principal: P
    # None for a token checked against the platform's own key (an operator's).
    source: Source | None
    until: float


class VerifiedTokens(Generic[P]):
    """A bounded map from token digest to what its verification established; see the module docstring."""

    def __init__(self, *, max_entries: int = DEFAULT_MAX_ENTRIES, clock: Callable[[], float] = time.time) -> None:
        self._entries: dict[bytes, Verified[P]] = {}
        self._max = max_entries
        self._clock = clock

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()

    def get(self, token: str) -> Verified[P] | None:
        """What an earlier verification of exactly this token established, while it still holds."""
        digest = self._digest(token)
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if self._clock() >= entry.until:
            del self._entries[digest]
            return None
        return entry

    def put(self, token: str, principal: P, expires_at: float, source: Source | None, *, from_jwks: bool) -> None:
        """Remember a verified token until `expires_at` (its `exp`), or less when its key came from a JWKS."""
        now = self._clock()
        until = min(expires_at, now + JWKS_LIFESPAN_SECONDS) if from_jwks else expires_at
        if until <= now:
            return
        if len(self._entries) >= self._max:
            self._make_room(now)
        self._entries[self._digest(token)] = Verified(principal, source, until)

    def forget(self, token: str) -> None:
        """Drop one token's entry (its organisation's keys changed since)."""
        self._entries.pop(self._digest(token), None)

    def _make_room(self, now: float) -> None:
        for digest in [d for d, entry in self._entries.items() if entry.until <= now]:
            del self._entries[digest]
        if len(self._entries) >= self._max:
            # Still full: the oldest entries go (insertion order), a quarter at a time so this runs rarely.
            for digest in list(self._entries)[: len(self._entries) - self._max + max(1, self._max // 4)]:
                del self._entries[digest]

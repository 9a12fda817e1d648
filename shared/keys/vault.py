"""The key vault: one key-encryption key (KEK) per partner, held outside every service database.

Every service wraps its partner data keys under the partner's KEK before the master key wraps them
again, so a data key is only usable while the KEK exists. Destroying the KEK erases the partner in
every service at once, and also in every database backup, which still holds the wrapped data keys
but never the KEK. Two backends: a directory (KEK files wrapped by the master key; a dedicated volume
in production, `var/keys/vault/` in development; `shared.keys.directory`) and AWS KMS (a partner's KEK is
a KMS key; `shared.keys.kms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

_PARTNER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class VaultEntry:
    """What the vault holds for one partner (never the key itself)."""

    partner_id: str
    kek_id: str
    master_kid: str | None
    destroyed_at: datetime | None


class KeyVault(Protocol):
    """Seals data keys under a partner's KEK, and destroys that KEK to erase the partner."""

    async def seal(self, partner_id: str, data_key: bytes, aad: bytes) -> tuple[str, bytes]:
        """Wrap under the partner's KEK (created on first use); returns (KEK id, blob)."""
        ...

    async def open(self, partner_id: str, kek_id: str, blob: bytes, aad: bytes) -> bytes:
        """Unwrap with the partner's KEK `kek_id`; `KeyDestroyed` once it no longer exists."""
        ...

    async def destroy(self, partner_id: str) -> bool:
        """Destroy the partner's KEK for good; True if a live KEK was destroyed now."""
        ...

    async def erased(self, partner_id: str) -> bool:
        """Whether the partner was erased (its KEK destroyed)."""
        ...

    async def entries(self) -> list[VaultEntry]:
        """Every partner the vault knows, erased ones included."""
        ...

    async def rewrap_entries(self) -> int:
        """Re-wrap entries held under an older master key with the current one; returns how many."""
        ...


def check_partner(partner_id: str) -> str:
    """The partner code, checked to be safe as a file name or a key alias."""
    if not _PARTNER.match(partner_id):
        raise ValueError(f"not a partner code: {partner_id!r}")
    return partner_id


def kek_aad(partner_id: str, kek_id: str) -> bytes:
    """What a KEK's wrapping is bound to: its partner and its id."""
    return f"partner-kek:{partner_id}:{kek_id}".encode()

"""Field encryption (AES-GCM, a key per partner, rotatable) and keyed hashing for matchable values.

Each partner gets random data keys, stored wrapped by a master key (key id recorded, so master keys
rotate too). Destroying a partner's keys makes every field encrypted for it unreadable: erasure by
key destruction. Ciphertexts carry the partner and key version so old data stays readable after
rotation until it is re-encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import unicodedata
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from shared.lookalikes import fold_to_latin
from shared.plumbing import PlumbingTables

PREFIX = "cv1"
PENDING_KEYS = "carrots_pending_partner_keys"
CURRENT_VERSIONS = "carrots_current_key_versions"


def _forget_versions_at_end(session: Session, transaction: SessionTransaction) -> None:
    # Also at the end of a savepoint: a key created inside one that rolled back no longer exists.
    session.info.get(CURRENT_VERSIONS, {}).clear()


def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING_KEYS, None)


class KeyDestroyed(Exception):
    """The partner's key was destroyed; the data it protected is erased."""


class CiphertextInvalid(Exception):
    """A ciphertext was altered, or belongs to another partner or field."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FieldCipher:
    """Encrypts personal data fields with the owning partner's current key."""

    def __init__(self, tables: PlumbingTables, master_keys: dict[str, bytes], *, cache_seconds: float = 60.0) -> None:
        if not master_keys:
            raise ValueError("at least one master key is required")
        self._tables = tables
        self._masters = master_keys
        self._current_master = next(iter(master_keys))
        # Only keys known to be committed are cached, and only for a while: a key destroyed by another
        # replica stops decrypting here within `cache_seconds`.
        self._cache: dict[tuple[str, int], tuple[bytes, float]] = {}
        self._cache_seconds = cache_seconds

    async def _current_version(self, session: AsyncSession, partner_id: str) -> int:
        # One look-up per partner and transaction: a request encrypting several fields asks once.
        if CURRENT_VERSIONS not in session.info:
            session.info[CURRENT_VERSIONS] = {}
            event.listen(session.sync_session, "after_transaction_end", _forget_versions_at_end)
        known: dict[str, int] = session.info[CURRENT_VERSIONS]
        if partner_id not in known:
            known[partner_id] = await self._look_up_current_version(session, partner_id)
        return known[partner_id]

    async def _look_up_current_version(self, session: AsyncSession, partner_id: str) -> int:
        t = self._tables.partner_keys
        row = (
            await session.execute(
                select(t.c.version, t.c.destroyed_at)
                .where(t.c.partner_id == partner_id)
                .order_by(t.c.version.desc())
                .limit(1)
            )
        ).first()
        if row is None:
            if await self._insert_key(session, partner_id, 1):
                return 1
            # Another transaction created the partner's first key and has committed it: use theirs.
            return await self._look_up_current_version(session, partner_id)
        if row.destroyed_at is not None:
            raise KeyDestroyed(f"keys of partner {partner_id} were destroyed")
        return int(row.version)

    async def rotate_partner_key(self, session: AsyncSession, partner_id: str) -> int:
        """Create a new data key for the partner; new data uses it, old data stays readable."""
        t = self._tables.partner_keys
        latest = (
            await session.execute(select(func.max(t.c.version)).where(t.c.partner_id == partner_id))
        ).scalar_one_or_none()
        version = int(latest or 0) + 1
        session.info.get(CURRENT_VERSIONS, {}).pop(partner_id, None)
        if await self._insert_key(session, partner_id, version):
            return version
        return await self._current_version(session, partner_id)

    async def _insert_key(self, session: AsyncSession, partner_id: str, version: int) -> bool:
        # ON CONFLICT DO NOTHING: a concurrent creator of the same version makes this one wait for it,
        # then do nothing, instead of failing the request.
        t = self._tables.partner_keys
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        wrapped = nonce + AESGCM(self._masters[self._current_master]).encrypt(
            nonce, data_key, f"partner-key:{partner_id}:{version}".encode()
        )
        insert_for = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        created = await session.execute(
            insert_for(t)
            .values(
                partner_id=partner_id,
                version=version,
                master_kid=self._current_master,
                wrapped_key=wrapped,
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=[t.c.partner_id, t.c.version])
            .returning(t.c.version)
        )
        if created.first() is None:
            return False
        # Usable in this transaction only; cached for others once the transaction commits.
        pending: dict[tuple[str, int], bytes] = session.info.setdefault(PENDING_KEYS, {})
        if not pending:
            event.listen(session.sync_session, "after_commit", self._promote_pending, once=True)
            event.listen(session.sync_session, "after_rollback", _forget_pending, once=True)
        pending[(partner_id, version)] = data_key
        return True

    def _promote_pending(self, session: Session) -> None:
        now = time.monotonic()
        for identity, data_key in session.info.pop(PENDING_KEYS, {}).items():
            self._cache[identity] = (data_key, now)

    async def destroy_partner_keys(self, session: AsyncSession, partner_id: str) -> None:
        """Erase every key of a partner: its encrypted fields can never be read again."""
        t = self._tables.partner_keys
        await session.execute(
            update(t).where(t.c.partner_id == partner_id).values(wrapped_key=None, destroyed_at=datetime.now(UTC))
        )
        for cached in [k for k in self._cache if k[0] == partner_id]:
            del self._cache[cached]
        session.info.pop(PENDING_KEYS, None)
        session.info.get(CURRENT_VERSIONS, {}).pop(partner_id, None)

    async def _data_key(self, session: AsyncSession, partner_id: str, version: int) -> bytes:
        pending = session.info.get(PENDING_KEYS, {}).get((partner_id, version))
        if pending is not None:
            return pending  # type: ignore[no-any-return]
        cached = self._cache.get((partner_id, version))
        if cached is not None and time.monotonic() - cached[1] < self._cache_seconds:
            return cached[0]
        t = self._tables.partner_keys
        row = (
            await session.execute(
                select(t.c.master_kid, t.c.wrapped_key).where(t.c.partner_id == partner_id, t.c.version == version)
            )
        ).first()
        if row is None or row.wrapped_key is None:
            raise KeyDestroyed(f"key {version} of partner {partner_id} is not available")
        wrapped: bytes = row.wrapped_key
        master = self._masters.get(row.master_kid)
        if master is None:
            raise KeyDestroyed(f"master key {row.master_kid} is not configured")
        data_key = AESGCM(master).decrypt(wrapped[:12], wrapped[12:], f"partner-key:{partner_id}:{version}".encode())
        self._cache[(partner_id, version)] = (data_key, time.monotonic())
        return data_key

    async def encrypt(self, session: AsyncSession, partner_id: str, plaintext: str, *, field: str) -> str:
        """Encrypt a field value for a partner; `field` binds the ciphertext to its column."""
        version = await self._current_version(session, partner_id)
        key = await self._data_key(session, partner_id, version)
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), f"{partner_id}:{field}".encode())
        return f"{PREFIX}.{partner_id}.{version}.{_b64(nonce + sealed)}"

    async def decrypt(self, session: AsyncSession, partner_id: str, token: str, *, field: str) -> str:
        """Decrypt a field value; refuses a value that was moved from another partner or column."""
        try:
            prefix, owner, version, body = token.split(".", 3)
        except ValueError as exc:
            raise CiphertextInvalid("not an encrypted field value") from exc
        if prefix != PREFIX or owner != partner_id:
            raise CiphertextInvalid("ciphertext does not belong to this partner")
        key = await self._data_key(session, partner_id, int(version))
        raw = _unb64(body)
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], f"{partner_id}:{field}".encode()).decode()
        except InvalidTag as exc:
            raise CiphertextInvalid("ciphertext was altered") from exc

    @staticmethod
    def key_version_of(token: str) -> int:
        """The partner key version a ciphertext was made with (for re-encryption after rotation)."""
        return int(token.split(".", 3)[2])


def normalise_identifier(value: str) -> str:
    """Canonical form of a document number: NFKC, upper case, look-alikes as Latin, letters and digits only.

    Cyrillic and Greek letters drawn like Latin ones (a Cyrillic and a Latin `AK`) become those Latin letters.
    Folding touches only non-Latin letters, so a number written in Latin letters keeps the form (and the keyed
    hash) it always had.
    """
    folded = fold_to_latin(unicodedata.normalize("NFKC", value).upper())
    return "".join(ch for ch in folded if ch.isalnum())


def keyed_hash(key: bytes, value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of a normalised value, for matching without storing it in clear."""
    message = f"{purpose}\x00{normalise_identifier(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()

"""Field encryption: AES-GCM, a data key per partner, rotatable, wrapped by the vault and a master key.

Each partner gets random data keys in every service's `partner_keys` table, wrapped twice: first under
the partner's key-encryption key (KEK) in the key vault shared by all services, then by a master key
(key id recorded, so master keys rotate). Destroying the KEK erases the partner everywhere, backups
included (see `shared.keys`). A ciphertext is bound to its partner, column and row, and carries the
key version, so old data stays readable after a partner key rotation. Keyed hashing of matchable values
(document numbers) lives in `shared.identifiers` and is re-exported here.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from shared.identifiers import keyed_hash, normalise_identifier
from shared.keys.errors import CiphertextInvalid, KeyDestroyed, MasterKeyUnknown
from shared.keys.master import MasterKeys
from shared.keys.rewrap import MasterKeyRotation, RewrapProgress
from shared.keys.vault import KeyVault
from shared.plumbing import PlumbingTables

__all__ = [
    "CiphertextInvalid",
    "FieldCipher",
    "KeyDestroyed",
    "MasterKeyUnknown",
    "RewrapProgress",
    "keyed_hash",
    "normalise_identifier",
]

PREFIX = "cv2"
# Ciphertexts written before row binding: still readable, bound to partner and column only.
LEGACY_PREFIX = "cv1"
PENDING_KEYS = "carrots_pending_partner_keys"
CURRENT_VERSIONS = "carrots_current_key_versions"
# How long a process reuses a partner's current key version across transactions (see `FieldCipher`).
VERSION_SECONDS = 1.0


def _forget_versions_at_end(session: Session, transaction: SessionTransaction) -> None:
    # Also at the end of a savepoint: a key created inside one that rolled back no longer exists.
    session.info.get(CURRENT_VERSIONS, {}).clear()


def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING_KEYS, None)


def _key_aad(partner_id: str, version: int) -> bytes:
    return f"partner-key:{partner_id}:{version}".encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FieldCipher(MasterKeyRotation):
    """Encrypts personal data fields with the owning partner's current key."""

    def __init__(
        self,
        tables: PlumbingTables,
        masters: MasterKeys,
        vault: KeyVault,
        *,
        cache_seconds: float = 60.0,
        version_seconds: float = VERSION_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tables = tables
        self._masters = masters
        self._vault = vault
        # Only keys known to be committed are cached, and only for a while: a key destroyed by another
        # replica stops decrypting here within `cache_seconds`.
        self._cache: dict[tuple[str, int], tuple[bytes, float]] = {}
        self._cache_seconds = cache_seconds
        # A partner erased or rotated through another replica is written here under its old key for at most
        # `version_seconds` (its current version is reused that long across transactions).
        self._versions: dict[str, tuple[int, float]] = {}
        self._version_seconds = version_seconds
        self._clock = clock

    async def _current_version(self, session: AsyncSession, partner_id: str) -> int:
        # At most one look-up per partner and transaction, none within `version_seconds` of the last one.
        if CURRENT_VERSIONS not in session.info:
            session.info[CURRENT_VERSIONS] = {}
            event.listen(session.sync_session, "after_transaction_end", _forget_versions_at_end)
        known: dict[str, int] = session.info[CURRENT_VERSIONS]
        if partner_id not in known:
            now = self._clock()
            remembered = self._versions.get(partner_id)
            if remembered is not None and now - remembered[1] < self._version_seconds:
                known[partner_id] = remembered[0]
            else:
                version = await self._look_up_current_version(session, partner_id)
                known[partner_id] = version
                if (partner_id, version) not in session.info.get(PENDING_KEYS, {}):
                    # Committed versions only, stamped before the read so none outlives its bound.
                    self._versions[partner_id] = (version, now)
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
        self._versions.pop(partner_id, None)
        if await self._insert_key(session, partner_id, version):
            return version
        return await self._current_version(session, partner_id)

    async def _insert_key(self, session: AsyncSession, partner_id: str, version: int) -> bool:
        # ON CONFLICT DO NOTHING: a concurrent creator of the same version makes this one wait for it,
        # then do nothing, instead of failing the request.
        t = self._tables.partner_keys
        data_key = AESGCM.generate_key(bit_length=256)
        master_kid, kek_id, wrapped = await self._wrap_data_key(partner_id, version, data_key)
        insert_for = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        created = await session.execute(
            insert_for(t)
            .values(
                partner_id=partner_id,
                version=version,
                master_kid=master_kid,
                kek_id=kek_id,
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

    async def _wrap_data_key(self, partner_id: str, version: int, data_key: bytes) -> tuple[str, str, bytes]:
        # Inner wrap under the partner's KEK (outside every database), outer wrap by the master key.
        aad = _key_aad(partner_id, version)
        kek_id, inner = await self._vault.seal(partner_id, data_key, aad)
        master_kid, outer = await self._masters.wrap(inner, aad)
        return master_kid, kek_id, outer

    async def _unwrap_data_key(
        self, partner_id: str, version: int, master_kid: str, kek_id: str | None, wrapped: bytes
    ) -> bytes:
        aad = _key_aad(partner_id, version)
        inner = await self._masters.unwrap(master_kid, wrapped, aad)
        if kek_id is None:
            # Written before the vault existed, wrapped by the master key alone: readable until the
            # partner is erased (`carrots keys rotate-master` gives it its KEK layer).
            if await self._vault.erased(partner_id):
                raise KeyDestroyed(f"partner {partner_id} was erased")
            return inner
        return await self._vault.open(partner_id, kek_id, inner, aad)

    def _promote_pending(self, session: Session) -> None:
        now = time.monotonic()
        for identity, data_key in session.info.pop(PENDING_KEYS, {}).items():
            self._cache[identity] = (data_key, now)

    async def destroy_partner_keys(self, session: AsyncSession, partner_id: str) -> int:
        """Mark every data key of a partner destroyed in this service (its part of an erasure); returns how many."""
        t = self._tables.partner_keys
        result = await session.execute(
            update(t)
            .where(t.c.partner_id == partner_id, t.c.wrapped_key.is_not(None))
            .values(wrapped_key=None, destroyed_at=datetime.now(UTC))
        )
        for cached in [k for k in self._cache if k[0] == partner_id]:
            del self._cache[cached]
        session.info.pop(PENDING_KEYS, None)
        session.info.get(CURRENT_VERSIONS, {}).pop(partner_id, None)
        self._versions.pop(partner_id, None)
        return int(getattr(result, "rowcount", 0) or 0)

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
                select(t.c.master_kid, t.c.kek_id, t.c.wrapped_key).where(
                    t.c.partner_id == partner_id, t.c.version == version
                )
            )
        ).first()
        if row is None or row.wrapped_key is None:
            raise KeyDestroyed(f"key {version} of partner {partner_id} is not available")
        data_key = await self._unwrap_data_key(partner_id, version, row.master_kid, row.kek_id, row.wrapped_key)
        self._cache[(partner_id, version)] = (data_key, time.monotonic())
        return data_key

    async def encrypt(self, session: AsyncSession, partner_id: str, plaintext: str, *, field: str, row: str) -> str:
        """Encrypt a field value for a partner; the ciphertext is bound to its column (`field`) and `row` id."""
        version = await self._current_version(session, partner_id)
        key = await self._data_key(session, partner_id, version)
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), f"{partner_id}:{field}:{row}".encode())
        return f"{PREFIX}.{partner_id}.{version}.{_b64(nonce + sealed)}"

    async def encrypt_many(
        self, session: AsyncSession, partner_id: str, items: Sequence[tuple[str, str, str]]
    ) -> list[str]:
        """Encrypt many field values of one partner, each (plaintext, field, row) exactly as `encrypt` would.

        One key look-up and one cipher for all of them, and their nonces drawn at once (each its own random 96
        bits, as `encrypt` draws them): a bulk intake seals three fields of a thousand rows per chunk.
        """
        if not items:
            return []
        version = await self._current_version(session, partner_id)
        aead = AESGCM(await self._data_key(session, partner_id, version))
        nonces = os.urandom(12 * len(items))
        head = f"{PREFIX}.{partner_id}.{version}."
        sealed: list[str] = []
        for position, (plaintext, field, row) in enumerate(items):
            nonce = nonces[12 * position : 12 * position + 12]
            body = aead.encrypt(nonce, plaintext.encode(), f"{partner_id}:{field}:{row}".encode())
            sealed.append(head + _b64(nonce + body))
        return sealed

    async def decrypt(self, session: AsyncSession, partner_id: str, token: str, *, field: str, row: str) -> str:
        """Decrypt a field value; refuses a value moved from another partner, column or row."""
        try:
            prefix, owner, version, body = token.split(".", 3)
        except ValueError as exc:
            raise CiphertextInvalid("not an encrypted field value") from exc
        if prefix not in {PREFIX, LEGACY_PREFIX} or owner != partner_id:
            raise CiphertextInvalid("ciphertext does not belong to this partner")
        key = await self._data_key(session, partner_id, int(version))
        raw = _unb64(body)
        aad = f"{partner_id}:{field}" if prefix == LEGACY_PREFIX else f"{partner_id}:{field}:{row}"
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], aad.encode()).decode()
        except InvalidTag as exc:
            raise CiphertextInvalid("ciphertext was altered or belongs to another row") from exc

    @staticmethod
    def key_version_of(token: str) -> int:
        """The partner key version a ciphertext was made with (for re-encryption after rotation)."""
        return int(token.split(".", 3)[2])

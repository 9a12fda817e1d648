"""The key vault: one key-encryption key (KEK) per partner, held outside every service database.

Every service wraps its partner data keys under the partner's KEK before the master key wraps them
again, so a data key is only usable while the KEK exists. Destroying the KEK erases the partner in
every service at once, and also in every database backup, which still holds the wrapped data keys
but never the KEK. Two backends: a directory (KEK files wrapped by the master key; a dedicated volume
in production, `var/keys/vault/` in development) and AWS KMS (a partner's KEK is a KMS key).
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread

from shared.keys.errors import CiphertextInvalid, KeyDestroyed
from shared.keys.master import MasterKeys, kms_context, open_sealed, seal

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


def _check_partner(partner_id: str) -> str:
    if not _PARTNER.match(partner_id):
        raise ValueError(f"not a partner code: {partner_id!r}")
    return partner_id


def _kek_aad(partner_id: str, kek_id: str) -> bytes:
    return f"partner-kek:{partner_id}:{kek_id}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class DirectoryVault:
    """KEK files in one directory shared by all services, each wrapped by the master key.

    A destroyed partner leaves a tombstone (no key material), so its KEK is never silently re-created.
    """

    def __init__(self, directory: Path, masters: MasterKeys) -> None:
        self._dir = directory
        self._masters = masters

    def _path(self, partner_id: str) -> Path:
        return self._dir / f"{_check_partner(partner_id)}.json"

    def _draft(self, path: Path, entry: dict[str, Any]) -> Path:
        self._dir.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        draft.write_text(json.dumps(entry))
        draft.chmod(0o600)
        return draft

    async def _new_entry(self, partner_id: str) -> dict[str, Any]:
        kek_id = uuid.uuid4().hex
        kid, wrapped = await self._masters.wrap(os.urandom(32), _kek_aad(partner_id, kek_id))
        return {
            "partner_id": partner_id,
            "kek_id": kek_id,
            "master_kid": kid,
            "wrapped": _b64(wrapped),
            "created_at": datetime.now(UTC).isoformat(),
        }

    async def _entry(self, partner_id: str, *, create: bool) -> dict[str, Any]:
        path = self._path(partner_id)
        if not path.exists():
            if not create:
                raise KeyDestroyed(f"the vault holds no key-encryption key of partner {partner_id}")
            # Services creating the partner's first KEK at once: the first link wins, the others read it.
            draft = self._draft(path, await self._new_entry(partner_id))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        entry: dict[str, Any] = json.loads(path.read_text())
        if entry.get("destroyed_at"):
            raise KeyDestroyed(f"partner {partner_id} was erased: its key-encryption key was destroyed")
        return entry

    async def _kek(self, partner_id: str, entry: dict[str, Any]) -> bytes:
        wrapped = base64.b64decode(entry["wrapped"])
        return await self._masters.unwrap(entry["master_kid"], wrapped, _kek_aad(partner_id, entry["kek_id"]))

    async def seal(self, partner_id: str, data_key: bytes, aad: bytes) -> tuple[str, bytes]:
        """AES-256-GCM under the partner's KEK, created on first use."""
        entry = await self._entry(partner_id, create=True)
        return entry["kek_id"], seal(await self._kek(partner_id, entry), data_key, aad)

    async def open(self, partner_id: str, kek_id: str, blob: bytes, aad: bytes) -> bytes:
        """AES-256-GCM under the partner's KEK, which must still be `kek_id`."""
        entry = await self._entry(partner_id, create=False)
        if entry["kek_id"] != kek_id:
            raise KeyDestroyed(f"key-encryption key {kek_id} of partner {partner_id} no longer exists")
        return open_sealed(await self._kek(partner_id, entry), blob, aad)

    async def destroy(self, partner_id: str) -> bool:
        """Replace the partner's KEK file by a tombstone."""
        path = self._path(partner_id)
        previous: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        if previous.get("destroyed_at"):
            return False
        tombstone = {
            "partner_id": partner_id,
            "kek_id": previous.get("kek_id", ""),
            "destroyed_at": datetime.now(UTC).isoformat(),
        }
        os.replace(self._draft(path, tombstone), path)
        return bool(previous)

    async def erased(self, partner_id: str) -> bool:
        """Whether the partner's entry is a tombstone."""
        path = self._path(partner_id)
        return path.exists() and bool(json.loads(path.read_text()).get("destroyed_at"))

    async def entries(self) -> list[VaultEntry]:
        """Every entry file, erased partners as tombstones."""
        if not self._dir.exists():
            return []
        found: list[VaultEntry] = []
        for path in sorted(self._dir.glob("*.json")):
            entry = json.loads(path.read_text())
            destroyed = entry.get("destroyed_at")
            found.append(
                VaultEntry(
                    partner_id=entry["partner_id"],
                    kek_id=entry["kek_id"],
                    master_kid=entry.get("master_kid"),
                    destroyed_at=datetime.fromisoformat(destroyed) if destroyed else None,
                )
            )
        return found

    async def rewrap_entries(self) -> int:
        """Re-wrap every live KEK that an older master key wraps."""
        done = 0
        for listed in await self.entries():
            if listed.destroyed_at is not None or listed.master_kid == self._masters.current_kid:
                continue
            path = self._path(listed.partner_id)
            entry = await self._entry(listed.partner_id, create=False)
            aad = _kek_aad(listed.partner_id, entry["kek_id"])
            kid, wrapped = await self._masters.wrap(await self._kek(listed.partner_id, entry), aad)
            current: dict[str, Any] = json.loads(path.read_text())
            if current.get("destroyed_at") or current["kek_id"] != entry["kek_id"]:
                continue  # erased meanwhile: never bring a KEK back
            os.replace(self._draft(path, {**entry, "master_kid": kid, "wrapped": _b64(wrapped)}), path)
            done += 1
        return done


class KmsVault:
    """A KMS key per partner, found by the alias `<prefix><partner>`; the key never leaves KMS.

    Destroying disables the key and schedules its deletion (KMS's shortest waiting period is 7 days);
    from that moment every use is refused, and the alias of the pending key marks the partner erased.
    """

    def __init__(self, client: Any, alias_prefix: str = "alias/carrots/partner/") -> None:
        self._client = client
        self._prefix = alias_prefix

    async def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        answer: dict[str, Any] = await anyio.to_thread.run_sync(lambda: getattr(self._client, operation)(**kwargs))
        return answer

    async def _describe(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return (await self._call("describe_key", KeyId=key))["KeyMetadata"]  # type: ignore[no-any-return]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NotFoundException":
                return None
            raise

    async def _current_key(self, partner_id: str) -> str:
        from botocore.exceptions import ClientError

        alias = self._prefix + _check_partner(partner_id)
        meta = await self._describe(alias)
        if meta is None:
            created = await self._call(
                "create_key",
                Description=f"carrots key-encryption key of partner {partner_id}",
                Tags=[{"TagKey": "carrots-partner", "TagValue": partner_id}],
            )
            try:
                await self._call("create_alias", AliasName=alias, TargetKeyId=created["KeyMetadata"]["KeyId"])
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "AlreadyExistsException":
                    raise
                # Another service created the partner's KEK first: use theirs, drop ours.
                await self._call("schedule_key_deletion", KeyId=created["KeyMetadata"]["KeyId"], PendingWindowInDays=7)
            meta = await self._describe(alias)
            assert meta is not None
        if meta["KeyState"] != "Enabled":
            raise KeyDestroyed(f"partner {partner_id} was erased: its KMS key is {meta['KeyState']}")
        return str(meta["Arn"])

    async def seal(self, partner_id: str, data_key: bytes, aad: bytes) -> tuple[str, bytes]:
        """KMS Encrypt under the partner's key, created on first use."""
        arn = await self._current_key(partner_id)
        answer = await self._call("encrypt", KeyId=arn, Plaintext=data_key, EncryptionContext=kms_context(aad))
        return arn, bytes(answer["CiphertextBlob"])

    async def open(self, partner_id: str, kek_id: str, blob: bytes, aad: bytes) -> bytes:
        """KMS Decrypt under `kek_id`, refused once that key is disabled or pending deletion."""
        from botocore.exceptions import ClientError

        meta = await self._describe(kek_id)
        if meta is None or meta["KeyState"] != "Enabled":
            raise KeyDestroyed(f"the KMS key-encryption key of partner {partner_id} no longer exists")
        try:
            answer = await self._call("decrypt", KeyId=kek_id, CiphertextBlob=blob, EncryptionContext=kms_context(aad))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "InvalidCiphertextException":
                raise CiphertextInvalid("wrapped key was altered or belongs elsewhere") from exc
            raise
        return bytes(answer["Plaintext"])

    async def destroy(self, partner_id: str) -> bool:
        """Disable the partner's KMS key at once and schedule its deletion."""
        meta = await self._describe(self._prefix + _check_partner(partner_id))
        if meta is None or meta["KeyState"] in {"PendingDeletion", "Disabled"}:
            return False
        await self._call("disable_key", KeyId=meta["KeyId"])
        await self._call("schedule_key_deletion", KeyId=meta["KeyId"], PendingWindowInDays=7)
        return True

    async def erased(self, partner_id: str) -> bool:
        """Whether the partner's KMS key exists but is disabled or pending deletion."""
        meta = await self._describe(self._prefix + _check_partner(partner_id))
        return meta is not None and meta["KeyState"] != "Enabled"

    async def entries(self) -> list[VaultEntry]:
        """Every partner alias under the prefix, with its key's state."""
        found: list[VaultEntry] = []
        marker: str | None = None
        while True:
            page = await self._call("list_aliases", **({"Marker": marker} if marker else {}))
            for alias in page.get("Aliases", []):
                name = alias["AliasName"]
                if not name.startswith(self._prefix) or "TargetKeyId" not in alias:
                    continue
                meta = await self._describe(alias["TargetKeyId"])
                gone = meta is None or meta["KeyState"] != "Enabled"
                found.append(
                    VaultEntry(
                        partner_id=name.removeprefix(self._prefix),
                        kek_id=str(meta["Arn"]) if meta else alias["TargetKeyId"],
                        master_kid=None,
                        destroyed_at=(meta or {}).get("DeletionDate") or (datetime.now(UTC) if gone else None),
                    )
                )
            if not page.get("Truncated"):
                return sorted(found, key=lambda e: e.partner_id)
            marker = page["NextMarker"]

    async def rewrap_entries(self) -> int:
        """Nothing to do: KMS keys are not wrapped by the master key (KMS rotates their material itself)."""
        return 0

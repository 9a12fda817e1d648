"""The directory key vault: each partner's KEK in a file, wrapped by the master key (`var/keys/vault/` in dev)."""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.keys.errors import KeyDestroyed
from shared.keys.master import MasterKeys, open_sealed, seal
from shared.keys.vault import VaultEntry, check_partner, kek_aad


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
        return self._dir / f"{check_partner(partner_id)}.json"

    def _draft(self, path: Path, entry: dict[str, Any]) -> Path:
        self._dir.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        draft.write_text(json.dumps(entry))
        draft.chmod(0o600)
        return draft

    async def _new_entry(self, partner_id: str) -> dict[str, Any]:
        kek_id = uuid.uuid4().hex
        kid, wrapped = await self._masters.wrap(os.urandom(32), kek_aad(partner_id, kek_id))
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
        return await self._masters.unwrap(entry["master_kid"], wrapped, kek_aad(partner_id, entry["kek_id"]))

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
            aad = kek_aad(listed.partner_id, entry["kek_id"])
            kid, wrapped = await self._masters.wrap(await self._kek(listed.partner_id, entry), aad)
            current: dict[str, Any] = json.loads(path.read_text())
            if current.get("destroyed_at") or current["kek_id"] != entry["kek_id"]:
                continue  # erased meanwhile: never bring a KEK back
            os.replace(self._draft(path, {**entry, "master_kid": kid, "wrapped": _b64(wrapped)}), path)
            done += 1
        return done

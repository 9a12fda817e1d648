"""The AWS KMS key vault: a partner's KEK is a KMS key, scheduled for deletion to erase the partner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio.to_thread

from shared.keys.errors import CiphertextInvalid, KeyDestroyed
from shared.keys.master import kms_context
from shared.keys.vault import VaultEntry, check_partner


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

        alias = self._prefix + check_partner(partner_id)
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
        meta = await self._describe(self._prefix + check_partner(partner_id))
        if meta is None or meta["KeyState"] in {"PendingDeletion", "Disabled"}:
            return False
        await self._call("disable_key", KeyId=meta["KeyId"])
        await self._call("schedule_key_deletion", KeyId=meta["KeyId"], PendingWindowInDays=7)
        return True

    async def erased(self, partner_id: str) -> bool:
        """Whether the partner's KMS key exists but is disabled or pending deletion."""
        meta = await self._describe(self._prefix + check_partner(partner_id))
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

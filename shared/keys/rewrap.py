"""Master-key rotation of one service's data keys: re-wrap each under the current master key and its partner's KEK."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.keys.errors import KeyDestroyed, MasterKeyUnknown
from shared.keys.master import MasterKeys
from shared.plumbing import PlumbingTables


@dataclass(frozen=True)
class RewrapProgress:
    """One batch of a master-key rotation in one service."""

    rewrapped: int
    erased: int
    remaining: int


class MasterKeyRotation:
    """The re-wrapping half of `shared.crypto.FieldCipher`, which provides the tables, master keys and wrapping."""

    _tables: PlumbingTables
    _masters: MasterKeys

    async def _wrap_data_key(self, partner_id: str, version: int, data_key: bytes) -> tuple[str, str, bytes]:
        raise NotImplementedError

    async def _unwrap_data_key(
        self, partner_id: str, version: int, master_kid: str, kek_id: str | None, wrapped: bytes
    ) -> bytes:
        raise NotImplementedError

    def _behind_current_master(self) -> ColumnElement[bool]:
        """Live data keys a master-key rotation still has to re-wrap."""
        t = self._tables.partner_keys
        return (t.c.wrapped_key.is_not(None)) & (or_(t.c.master_kid != self._masters.current_kid, t.c.kek_id.is_(None)))

    async def count_to_rewrap(self, session: AsyncSession) -> int:
        """How many data keys are not yet under the current master key and their partner's KEK."""
        t = self._tables.partner_keys
        found = await session.execute(select(func.count()).select_from(t).where(self._behind_current_master()))
        return int(found.scalar_one())

    async def rewrap_batch(self, session: AsyncSession, *, limit: int = 100) -> RewrapProgress:
        """Re-wrap up to `limit` data keys not yet under the current master key and the partner's KEK.

        The data keys themselves do not change, so every ciphertext stays readable. A partner erased
        in the vault meanwhile (a database restored from a backup, say) has its keys marked destroyed.
        """
        t = self._tables.partner_keys
        behind = self._behind_current_master()
        rows = (
            await session.execute(
                select(t.c.partner_id, t.c.version, t.c.master_kid, t.c.kek_id, t.c.wrapped_key)
                .where(behind)
                .order_by(t.c.partner_id, t.c.version)
                .limit(limit)
            )
        ).all()
        rewrapped = erased = 0
        for row in rows:
            unchanged = (t.c.partner_id == row.partner_id) & (t.c.version == row.version)
            unchanged &= t.c.wrapped_key == row.wrapped_key
            try:
                data_key = await self._unwrap_data_key(
                    row.partner_id, row.version, row.master_kid, row.kek_id, row.wrapped_key
                )
                master_kid, kek_id, wrapped = await self._wrap_data_key(row.partner_id, row.version, data_key)
            except MasterKeyUnknown:
                raise  # a configuration gap, never a reason to destroy anything
            except KeyDestroyed:
                destroyed = update(t).where(unchanged).values(wrapped_key=None, destroyed_at=datetime.now(UTC))
                await session.execute(destroyed)
                erased += 1
                continue
            await session.execute(
                update(t).where(unchanged).values(master_kid=master_kid, kek_id=kek_id, wrapped_key=wrapped)
            )
            rewrapped += 1
        remaining = (await session.execute(select(func.count()).select_from(t).where(behind))).scalar_one()
        return RewrapProgress(rewrapped=rewrapped, erased=erased, remaining=int(remaining))

"""A case's history entries: appended with their reason sealed for the partner holding the case, read back."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.cases import repository
from services.asylum.cases.models import CaseHistoryEntry
from shared.crypto import FieldCipher, KeyDestroyed
from shared.schemas.asylum import CaseHistoryEntryRead

HISTORY_REASON_FIELD = "case_history.reason"


def history_row_key(entry: CaseHistoryEntry) -> str:
    """What a history reason is bound to: the case and the entry's moment.

    History ids come from the database and the table is append-only (no update after the insert), so
    the reason is sealed before the entry has its id.
    """
    return f"{entry.case_id}@{entry.at.astimezone(UTC).isoformat()}"


async def add_history(
    session: AsyncSession, cipher: FieldCipher, entry: CaseHistoryEntry, *, reason: str | None, partner_id: str
) -> None:
    """Append a history entry, its reason sealed with the key of `partner_id`, the partner holding the case."""
    if reason is not None:
        entry.reason_enc = await cipher.encrypt(
            session, partner_id, reason, field=HISTORY_REASON_FIELD, row=history_row_key(entry)
        )
        entry.reason_partner = partner_id
    await repository.add_history(session, entry)


async def open_history_reason(session: AsyncSession, cipher: FieldCipher, entry: CaseHistoryEntry) -> str | None:
    """The clear text of a history reason; null once the writing partner's keys were destroyed (erased)."""
    if entry.reason_enc is None or entry.reason_partner is None:
        return None
    try:
        return await cipher.decrypt(
            session, entry.reason_partner, entry.reason_enc, field=HISTORY_REASON_FIELD, row=history_row_key(entry)
        )
    except KeyDestroyed:
        return None


async def describe_history(session: AsyncSession, cipher: FieldCipher, entry: CaseHistoryEntry) -> CaseHistoryEntryRead:
    """The wire form of one history entry, its reason decrypted."""
    return CaseHistoryEntryRead.model_validate(
        {
            "id": entry.id,
            "kind": entry.kind,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "from_partner": entry.from_partner,
            "to_partner": entry.to_partner,
            "reason": await open_history_reason(session, cipher, entry),
            "actor_org": entry.actor_org,
            "actor_subject": entry.actor_subject,
            "at": entry.at,
        }
    )


async def describe_all_history(session: AsyncSession, cipher: FieldCipher, case_id: str) -> list[CaseHistoryEntryRead]:
    """A case's whole history in wire form, oldest first, reasons decrypted."""
    return [await describe_history(session, cipher, e) for e in await repository.list_all_history(session, case_id)]

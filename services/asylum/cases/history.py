"""A case's history entries: appended with their reason sealed for the partner holding the case, read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.cases import repository
from services.asylum.cases.models import CaseHistoryEntry
from shared.crypto import FieldCipher, KeyDestroyed
from shared.schemas.asylum import CaseHistoryEntryRead

HISTORY_REASON_FIELD = "case_history.reason"


class HistoryFacts(Protocol):
    """What describing a history entry reads: a stored entry, or a plain row read with its case."""

    @property
    def id(self) -> int: ...
    @property
    def case_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def from_state(self) -> str | None: ...
    @property
    def to_state(self) -> str: ...
    @property
    def from_partner(self) -> str | None: ...
    @property
    def to_partner(self) -> str | None: ...
    @property
    def reason_enc(self) -> str | None: ...
    @property
    def reason_partner(self) -> str | None: ...
    @property
    def actor_org(self) -> str: ...
    @property
    def actor_subject(self) -> str: ...
    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A history entry as plain values (read in the same statement as its case, no ORM object)."""

    id: int
    case_id: str
    kind: str
    from_state: str | None
    to_state: str
    from_partner: str | None
    to_partner: str | None
    reason_enc: str | None
    reason_partner: str | None
    actor_org: str
    actor_subject: str
    at: datetime


def history_row_key(entry: HistoryFacts) -> str:
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


async def open_history_reason(session: AsyncSession, cipher: FieldCipher, entry: HistoryFacts) -> str | None:
    """The clear text of a history reason; null once the writing partner's keys were destroyed (erased)."""
    if entry.reason_enc is None or entry.reason_partner is None:
        return None
    try:
        return await cipher.decrypt(
            session, entry.reason_partner, entry.reason_enc, field=HISTORY_REASON_FIELD, row=history_row_key(entry)
        )
    except KeyDestroyed:
        return None


async def describe_history(session: AsyncSession, cipher: FieldCipher, entry: HistoryFacts) -> CaseHistoryEntryRead:
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

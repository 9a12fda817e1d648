"""Reading consent histories: each checked against its hash chain, a broken one reported as broken."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.consent import repository
from services.testimony.consent.chain import (
    fold_state,
    verify_chain,
)
from services.testimony.consent.errors import ConsentChainBroken
from services.testimony.consent.holders import TokenHolder
from services.testimony.consent.models import ConsentEventRow, ConsentRecord
from services.testimony.consent.service import to_terms_model
from services.testimony.intake.service import find_testimony
from services.testimony.models import tables
from shared.audit import record_audit
from shared.auth import Principal
from shared.schemas.testimony import (
    ConsentEventRead,
    ConsentRecordRead,
)


def _broken_record(record: ConsentRecord) -> ConsentRecordRead:
    return ConsentRecordRead(
        id=record.id,
        testimony_id=record.testimony_id,
        subject_ref=record.subject_ref,
        active=False,
        chain_intact=False,
        events=[],
    )


def _to_record_read(record: ConsentRecord, rows: Sequence[ConsentEventRow]) -> ConsentRecordRead:
    try:
        chain = [repository.to_link(row) for row in rows]
        verify_chain(record.id, chain)
    except ConsentChainBroken:
        # A broken history is reported as such, with nothing read from it as if it were true.
        return _broken_record(record)
    events = [
        ConsentEventRead(
            sequence=row.sequence,
            event=link.event.kind.value,
            occurred_at=row.occurred_at,
            consent_version=str(link.version),
            terms=None if link.event.terms is None else to_terms_model(link.event.terms),
            receipt=row.receipt,
        )
        for row, link in zip(rows, chain, strict=True)
    ]
    return ConsentRecordRead(
        id=record.id,
        testimony_id=record.testimony_id,
        subject_ref=record.subject_ref,
        active=fold_state(chain).is_active,
        chain_intact=True,
        events=events,
    )


async def read_records(session: AsyncSession, actor: Principal, testimony_id: str) -> list[ConsentRecordRead]:
    """Every consent history of a testimony, each checked against its hash chain."""
    testimony = await find_testimony(session, testimony_id)
    records = await repository.list_records(session, testimony.id)
    rows = await repository.list_event_rows(session, [r.id for r in records])
    result = [_to_record_read(record, [row for row in rows if row.record_id == record.id]) for record in records]
    await record_audit(
        session, tables, actor, "consent.read", "testimony", testimony.id, partner_id=testimony.partner_id
    )
    return result


async def read_own_record(session: AsyncSession, holder: TokenHolder) -> ConsentRecordRead | None:
    """The holder's own consent history, checked against its hash chain (the read is audited)."""
    if holder.record is None:
        return None
    rows = await repository.list_event_rows(session, [holder.record.id])
    await record_audit(
        session, tables, holder.principal, "consent.read", "consent", holder.record.id,
        partner_id=holder.record.partner_id,
    )  # fmt: skip
    return _to_record_read(holder.record, rows)

"""Every SQL statement about consent records and their event chains."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.consent.chain import ChainedConsentEvent, deserialize_event
from services.testimony.consent.coverage import SubjectConsent
from services.testimony.consent.errors import ConsentChainBroken, ConsentError
from services.testimony.consent.models import ConsentEventRow, ConsentRecord


async def add_rows(session: AsyncSession, *rows: object) -> None:
    """Stage new rows and flush them."""
    session.add_all(rows)
    await session.flush()


async def get_record(session: AsyncSession, record_id: str, *, lock: bool = False) -> ConsentRecord | None:
    """One consent record in the session's tenant scope, locked when it is about to change."""
    statement = select(ConsentRecord).where(ConsentRecord.id == record_id)
    if lock:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def find_record_for_subject(session: AsyncSession, testimony_id: str, subject_ref: str) -> ConsentRecord | None:
    """The consent record of one person for one testimony."""
    statement = select(ConsentRecord).where(
        ConsentRecord.testimony_id == testimony_id, ConsentRecord.subject_ref == subject_ref
    )
    return (await session.execute(statement.with_for_update())).scalar_one_or_none()


async def find_record_by_token(session: AsyncSession, token_hash: str) -> ConsentRecord | None:
    """A consent record by the hash of its withdrawal token, in any tenant (the token says whose)."""
    statement = (
        select(ConsentRecord)
        .where(ConsentRecord.withdrawal_token_hash == token_hash)
        .with_for_update()
        .execution_options(include_all_tenants=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def list_records(session: AsyncSession, testimony_id: str) -> Sequence[ConsentRecord]:
    """Every consent record of a testimony."""
    statement = select(ConsentRecord).where(ConsentRecord.testimony_id == testimony_id).order_by(ConsentRecord.id)
    return (await session.execute(statement)).scalars().all()


async def lock_records(session: AsyncSession, testimony_id: str) -> None:
    """Lock every consent record of a testimony until the transaction ends."""
    statement = select(ConsentRecord.id).where(ConsentRecord.testimony_id == testimony_id).with_for_update()
    await session.execute(statement)


async def list_event_rows(session: AsyncSession, record_ids: Sequence[str]) -> Sequence[ConsentEventRow]:
    """The stored chain links of some records, in order."""
    statement = (
        select(ConsentEventRow)
        .where(ConsentEventRow.record_id.in_(record_ids))
        .order_by(ConsentEventRow.record_id, ConsentEventRow.sequence)
    )
    return (await session.execute(statement)).scalars().all()


def to_link(row: ConsentEventRow) -> ChainedConsentEvent:
    """Rebuild a chain link from its stored row; a row that no longer reads as an event breaks the chain."""
    try:
        event = deserialize_event(row.payload)
    except (ConsentError, KeyError, TypeError, ValueError) as error:
        raise ConsentChainBroken(f"event {row.sequence} can no longer be read") from error
    return ChainedConsentEvent(
        record_id=row.record_id,
        sequence=row.sequence,
        event=event,
        previous_hash=row.previous_hash,
        event_hash=row.event_hash,
    )


async def load_chain(session: AsyncSession, record_id: str) -> list[ChainedConsentEvent]:
    """The chain of one record."""
    return [to_link(row) for row in await list_event_rows(session, [record_id])]


async def load_subject_consents(session: AsyncSession, testimony_id: str) -> dict[str, SubjectConsent]:
    """Every person's consent history for a testimony, keyed by their reference."""
    records = await list_records(session, testimony_id)
    rows = await list_event_rows(session, [r.id for r in records])
    return {
        record.subject_ref: SubjectConsent(
            subject_ref=record.subject_ref,
            record_id=record.id,
            chain=[to_link(row) for row in rows if row.record_id == record.id],
        )
        for record in records
    }

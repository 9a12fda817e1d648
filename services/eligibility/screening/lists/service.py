"""Screening rules: load lists and keep this process's index in step with them, screen applicants (failing closed).

Reviewing hits is in `hits.py`; waivers, and what still blocks an approval, in `waivers.py`.
"""

from __future__ import annotations

import asyncio
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import Applicant, SanctionsListRecord, ScreeningHitRecord
from services.eligibility.screening.engine import (
    ListSource,
    SanctionsList,
    SanctionsListUnreadable,
    ScreeningError,
    ScreeningHit,
    ScreeningIndex,
    ScreeningSubject,
    ScreeningUnavailable,
    SubjectDocument,
    build_screening_index,
    parse_partial_date,
    parse_sanctions_list,
    plain_document_key,
    screen_subject,
)
from services.eligibility.screening.engine.index import DocumentKey
from services.eligibility.screening.lists import repository
from services.eligibility.screening.lists.errors import SanctionsListRejected
from services.eligibility.screening.lists.pool import (
    ListsKey,
    Outcome,
    ParsedUpload,
    ScreeningPool,
    ScreeningPoolFailed,
)
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.schemas.eligibility import SanctionsListRead, ScreeningStatus

EXPLANATION_FIELD = "screening_hits.explanation"
# Above this many subjects a batch is screened in a thread (without screening processes): a screen can take
# milliseconds on a large list.
INLINE_AT_MOST = 4


@dataclass
class ScreeningState:
    """The lists this replica screens against; reloaded whenever the stored lists change.

    `document_key` turns a listed document's country and number into the keyed hash that applicants' documents
    are stored as, so that numbers meet without being kept in clear.
    """

    index: ScreeningIndex | None = None
    loaded_ids: dict[str, str] = field(default_factory=dict)
    document_key: DocumentKey = plain_document_key
    # One build per list version: requests that find the lists changed wait for the build under way.
    building: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Screening processes holding the index instead of this one (then `index` stays None here).
    pool: ScreeningPool | None = None

    @property
    def lists_key(self) -> ListsKey:
        """The stored lists the index was built from, as the screening processes name them."""
        return tuple(sorted(self.loaded_ids.items()))


def _parse(source: str, content: bytes) -> SanctionsList:
    return parse_sanctions_list(io.BytesIO(content), ListSource(source))


def _parse_and_pack(source: str, content: bytes) -> ParsedUpload:
    parsed = _parse(source, content)
    return ParsedUpload(parsed.source.value, parsed.version, len(parsed.entries), gzip.compress(content))


def build_index_from_stored(stored: Sequence[tuple[str, bytes]], document_key: DocumentKey) -> ScreeningIndex | None:
    """Parse stored lists and index them: pure CPU work, run in a worker thread so that requests keep flowing."""
    lists = [_parse(source, gzip.decompress(content)) for source, content in stored]
    try:
        return build_screening_index(lists, document_key=document_key) if lists else None
    except ScreeningUnavailable:
        # Lists without a single screenable person clear nobody: screening stays closed.
        return None


async def refresh_screening_state(session: AsyncSession, state: ScreeningState) -> None:
    """Rebuild the index when another list was stored since it was built (by this replica or another).

    The parse and the index are built once per list version, in a worker thread, never on the event loop.
    """
    latest = await repository.latest_list_ids(session)
    if latest == state.loaded_ids:
        return
    async with state.building:
        if latest == state.loaded_ids:
            return  # built by the request that went first
        records = await repository.get_lists(session, list(latest.values()))
        stored = [(r.source, r.content) for r in records]
        if state.pool is not None:
            # Each screening process parses and indexes; this process only hands the stored lists over.
            state.loaded_ids = {}
            await state.pool.build(tuple(sorted(latest.items())), stored)
        else:
            state.index = await asyncio.to_thread(build_index_from_stored, stored, state.document_key)
        state.loaded_ids = latest


def screen_all(index: ScreeningIndex | None, subjects: Sequence[ScreeningSubject]) -> list[Outcome]:
    """Each subject's hits, or None where screening could not run (it then fails closed)."""
    outcomes: list[Outcome] = []
    for subject in subjects:
        try:
            outcomes.append(screen_subject(index, subject))
        except ScreeningError:
            outcomes.append(None)
    return outcomes


async def screen_outcomes(
    state: ScreeningState, subjects: Sequence[ScreeningSubject], *, strict: bool = False
) -> list[Outcome]:
    """Screen subjects in the screening processes, or here (in a thread when there are more than a few).

    When a screening process died or holds another list version, the next refresh rebuilds every index; this
    batch then fails closed (None each), or raises `ScreeningPoolFailed` when `strict` (a re-screening batch,
    retried with its applicants still `pending`).
    """
    if state.pool is not None:
        if not state.loaded_ids:
            return [None] * len(subjects)  # no list stored: nobody is cleared
        try:
            return await state.pool.screen(state.lists_key, subjects)
        except ScreeningPoolFailed:
            state.loaded_ids = {}
            if strict:
                raise
            return [None] * len(subjects)
    if len(subjects) <= INLINE_AT_MOST:
        return screen_all(state.index, subjects)
    return await asyncio.to_thread(screen_all, state.index, subjects)


def screening_subject(
    applicant: Applicant, names: Sequence[str], birth_date: str | None, documents: Sequence[Any] | None = None
) -> ScreeningSubject:
    """What screening compares for an applicant: names, birth date as known, documents by keyed hash, citizenship.

    `documents` (each with `doc_type`, `issuing_country`, `number_hash`) when read apart, else `applicant.documents`.
    """
    return ScreeningSubject(
        names=tuple(names),
        birth_date=parse_partial_date(birth_date),
        documents=tuple(
            SubjectDocument(kind=d.doc_type, country=d.issuing_country, key=d.number_hash)
            for d in (applicant.documents if documents is None else documents)
        ),
        citizenship=applicant.citizenship,
    )


async def load_sanctions_list(
    session: AsyncSession,
    state: ScreeningState,
    publisher: EventPublisher,
    actor: Principal,
    source: str,
    content: bytes,
) -> SanctionsListRead:
    """Store a published list after reading it, and rebuild the index (callers then re-screen)."""
    try:
        # Seconds of CPU for a large list (reading it, and compressing it for storage): in a screening process,
        # which keeps what it read for the index, or else in a thread, so that other requests keep being served.
        if state.pool is not None:
            parsed = await state.pool.parse_upload(source, content)
        else:
            parsed = await asyncio.to_thread(_parse_and_pack, source, content)
        if not parsed.entry_count:
            raise SanctionsListUnreadable("the list holds no entries")
    except (SanctionsListUnreadable, ValueError) as error:
        raise SanctionsListRejected(f"The {source} list could not be read: {error}.") from error
    record = SanctionsListRecord(
        id=new_id(),
        source=source,
        version=parsed.version[:200],
        entry_count=parsed.entry_count,
        content=parsed.packed,
        loaded_by=actor.subject,
        loaded_at=datetime.now(UTC),
    )
    await repository.add_list(session, record)
    await refresh_screening_state(session, state)
    # Lists belong to no partner: every partner's applicants are screened against them.
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "sanctions_list",
            record.id,
            "loaded",
            partner_id=None,
            detail={"source": source, "entries": record.entry_count},
        ),
    )
    return SanctionsListRead(
        id=record.id,
        source=parsed.source,
        version=record.version,
        entry_count=record.entry_count,
        loaded_at=record.loaded_at,
    )


def new_hit_record(applicant: Applicant, key: tuple[str, str]) -> ScreeningHitRecord:
    """A hit record of the applicant for list entry `key` (source, entry id), its findings set by `apply_hit`."""
    return ScreeningHitRecord(
        id=new_id(),
        partner_id=applicant.partner_id,
        applicant_id=applicant.id,
        list_source=key[0],
        entry_id=key[1][:200],
        created_at=datetime.now(UTC),
    )


async def apply_hit(session: AsyncSession, cipher: FieldCipher, record: ScreeningHitRecord, hit: ScreeningHit) -> None:
    """Write what a screen found onto a hit record: status, list version, score and the sealed explanation."""
    record.status = "excluded" if hit.excluded else "open"
    record.list_version = hit.entry.list_version[:200]
    record.score, record.confident = round(hit.score, 4), hit.confident
    record.explanation_enc = await cipher.encrypt(
        session, record.partner_id, hit.explanation, field=EXPLANATION_FIELD, row=record.id
    )


async def screen_applicant(
    session: AsyncSession,
    cipher: FieldCipher,
    state: ScreeningState,
    applicant: Applicant,
    subject: ScreeningSubject,
) -> None:
    """Screen an applicant and record hits; without a loaded list the status stays `unavailable` (fails closed).

    Namesakes excluded by a contradicting birth date are recorded as `excluded` hits with the reason, which
    never block approval.
    """
    await refresh_screening_state(session, state)
    (hits,) = await screen_outcomes(state, [subject])
    if hits is None:
        applicant.screening_status = ScreeningStatus.unavailable.value
        await session.flush()
        return
    known = {(h.list_source, h.entry_id): h for h in await repository.list_hits_of_applicant(session, applicant.id)}
    added: list[ScreeningHitRecord] = []
    seen: set[tuple[str, str]] = set()
    for hit in hits:
        key = (hit.entry.source.value, hit.entry.entry_id)
        if key in seen:
            continue
        seen.add(key)
        record = known.get(key)
        if record is None:
            record = new_hit_record(applicant, key)
            await apply_hit(session, cipher, record, hit)
            await repository.add_hit(session, record)
            added.append(record)
        elif record.status in {"open", "lapsed", "excluded"}:
            await apply_hit(session, cipher, record, hit)
    for key, record in known.items():
        if key not in seen and record.status in {"open", "excluded"}:
            record.status = "lapsed"
    await session.flush()
    # Every hit of the applicant is at hand: status follows from them without reading them again.
    await update_screening_status(session, applicant, screened=True, records=[*known.values(), *added])


async def update_screening_status(
    session: AsyncSession,
    applicant: Applicant,
    *,
    screened: bool = False,
    records: Sequence[ScreeningHitRecord] | None = None,
) -> None:
    """Set the applicant's screening status from their hits (`records` when the caller already holds them all)."""
    if not screened and applicant.screening_status == ScreeningStatus.pending.value:
        # A review does not stand in for screening against the updated lists: stay closed until it runs.
        return
    if records is None:
        records = await repository.list_hits_of_applicant(session, applicant.id)
    statuses = {r.status for r in records}
    if "open" in statuses:
        applicant.screening_status = ScreeningStatus.hits.value
    elif statuses & {"cleared", "waived"}:
        applicant.screening_status = ScreeningStatus.resolved.value
    else:
        applicant.screening_status = ScreeningStatus.clear.value
    await session.flush()

"""Screening rules: load lists, screen applicants (failing closed), clear hits, waive them under control."""

from __future__ import annotations

import asyncio
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.changes import announce_change
from services.eligibility.errors import (
    SanctionsListRejected,
    ScreeningHitNotFound,
    ScreeningHitNotOpen,
    WaiverNotFound,
    WaiverNotPending,
    WaiverSelfApproval,
)
from services.eligibility.models import Applicant, SanctionsListRecord, ScreeningHitRecord, Waiver, tables
from services.eligibility.policies.engine.money import UnknownCurrency, validate_currency
from services.eligibility.screening.engine import (
    ListSource,
    SanctionsList,
    SanctionsListUnreadable,
    ScreeningError,
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
from shared.audit import record_audit
from shared.auth import Principal
from shared.crypto import FieldCipher
from shared.errors import Unprocessable
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.schemas.eligibility import (
    SanctionsListRead,
    ScreeningHitRead,
    ScreeningStatus,
    WaiverCreate,
    WaiverRead,
)

_EXPLANATION_FIELD = "screening_hits.explanation"


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


def _parse(source: str, content: bytes) -> SanctionsList:
    return parse_sanctions_list(io.BytesIO(content), ListSource(source))


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
        state.index = await asyncio.to_thread(build_index_from_stored, stored, state.document_key)
        state.loaded_ids = latest


def screening_subject(applicant: Applicant, names: Sequence[str], birth_date: str | None) -> ScreeningSubject:
    """What screening compares for an applicant: names, birth date as known, documents by keyed hash, citizenship."""
    return ScreeningSubject(
        names=tuple(names),
        birth_date=parse_partial_date(birth_date),
        documents=tuple(
            SubjectDocument(kind=d.doc_type, country=d.issuing_country, key=d.number_hash) for d in applicant.documents
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
        # Seconds of CPU for a large list: in a thread, so that other requests keep being served.
        parsed = await asyncio.to_thread(_parse, source, content)
        if not parsed.entries:
            raise SanctionsListUnreadable("the list holds no entries")
    except (SanctionsListUnreadable, ValueError) as error:
        raise SanctionsListRejected(f"The {source} list could not be read: {error}.") from error
    record = SanctionsListRecord(
        id=new_id(),
        source=source,
        version=parsed.version[:200],
        entry_count=len(parsed.entries),
        content=gzip.compress(content),
        loaded_by=actor.subject,
        loaded_at=datetime.now(UTC),
    )
    await repository.add_list(session, record)
    await refresh_screening_state(session, state)
    # Lists belong to no partner: every partner's applicants are screened against them.
    await announce_change(
        session,
        publisher,
        actor,
        "sanctions_list",
        record.id,
        "loaded",
        partner_id=None,
        detail={"source": source, "entries": record.entry_count},
    )
    return SanctionsListRead(
        id=record.id,
        source=parsed.source.value,
        version=record.version,
        entry_count=record.entry_count,
        loaded_at=record.loaded_at,
    )


_LEGAL_BASIS_FIELD = "waivers.legal_basis"


async def _seal(session: AsyncSession, cipher: FieldCipher, partner: str, explanation: str, hit_id: str) -> str:
    return await cipher.encrypt(session, partner, explanation, field=_EXPLANATION_FIELD, row=hit_id)


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
    try:
        hits = screen_subject(state.index, subject)
    except ScreeningError:
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
        status = "excluded" if hit.excluded else "open"
        if record is None:
            hit_id = new_id()
            record = ScreeningHitRecord(
                id=hit_id,
                partner_id=applicant.partner_id,
                applicant_id=applicant.id,
                list_source=key[0],
                list_version=hit.entry.list_version[:200],
                entry_id=key[1][:200],
                score=round(hit.score, 4),
                confident=hit.confident,
                explanation_enc=await _seal(session, cipher, applicant.partner_id, hit.explanation, hit_id),
                status=status,
                created_at=datetime.now(UTC),
            )
            await repository.add_hit(session, record)
            added.append(record)
        elif record.status in {"open", "lapsed", "excluded"}:
            record.status = status
            record.score, record.confident = round(hit.score, 4), hit.confident
            record.explanation_enc = await _seal(session, cipher, applicant.partner_id, hit.explanation, record.id)
            record.list_version = hit.entry.list_version[:200]
    for key, record in known.items():
        if key not in seen and record.status in {"open", "excluded"}:
            record.status = "lapsed"
    await session.flush()
    # Every hit of the applicant is at hand: status follows from them without reading them again.
    await _update_status(session, applicant, screened=True, records=[*known.values(), *added])


async def _update_status(
    session: AsyncSession,
    applicant: Applicant,
    *,
    screened: bool = False,
    records: Sequence[ScreeningHitRecord] | None = None,
) -> None:
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


async def hit_read(session: AsyncSession, cipher: FieldCipher, record: ScreeningHitRecord) -> ScreeningHitRead:
    """The wire form of a hit, its explanation decrypted."""
    explanation = await cipher.decrypt(
        session, record.partner_id, record.explanation_enc, field=_EXPLANATION_FIELD, row=record.id
    )
    return ScreeningHitRead(
        id=record.id,
        applicant_id=record.applicant_id,
        list_source=record.list_source,
        list_version=record.list_version,
        entry_id=record.entry_id,
        score=record.score,
        confident=record.confident,
        explanation=explanation,
        status=record.status,
        reviewed_by=record.reviewed_by,
    )


async def get_hit_or_404(session: AsyncSession, hit_id: str) -> ScreeningHitRecord:
    """The caller's hit, or ScreeningHitNotFound."""
    hit = await repository.get_hit(session, hit_id)
    if hit is None:
        raise ScreeningHitNotFound(f"No screening hit {hit_id} for your organisation.")
    return hit


async def _applicant_of(session: AsyncSession, hit: ScreeningHitRecord) -> Applicant:
    applicant = await repository.get_applicant(session, hit.applicant_id)
    if applicant is None:
        raise ScreeningHitNotFound(f"No screening hit {hit.id} for your organisation.")
    return applicant


async def list_hits_of_applicant(
    session: AsyncSession, cipher: FieldCipher, actor: Principal, applicant_id: str
) -> list[ScreeningHitRead]:
    """Every hit recorded for one applicant of the caller; the explanations quote names, so the read is audited."""
    records = await repository.list_hits_of_applicant(session, applicant_id)
    await record_audit(session, tables, actor, "screening_hits.read", "applicant", applicant_id, partner_id=actor.org)
    return [await hit_read(session, cipher, h) for h in records]


async def clear_hit(
    session: AsyncSession, cipher: FieldCipher, publisher: EventPublisher, actor: Principal, hit_id: str
) -> ScreeningHitRead:
    """A reviewer clears a hit as a false positive."""
    hit = await get_hit_or_404(session, hit_id)
    if hit.status != "open":
        raise ScreeningHitNotOpen(f"Screening hit {hit_id} is {hit.status}, not open.")
    hit.status, hit.reviewed_by, hit.reviewed_at = "cleared", actor.subject, datetime.now(UTC)
    await session.flush()
    await _update_status(session, await _applicant_of(session, hit))
    await announce_change(session, publisher, actor, "screening_hit", hit.id, "cleared", partner_id=actor.org)
    return await hit_read(session, cipher, hit)


async def waiver_read(session: AsyncSession, cipher: FieldCipher, waiver: Waiver) -> WaiverRead:
    """The wire form of a waiver, its legal basis decrypted."""
    legal_basis = (
        None
        if waiver.legal_basis_enc is None
        else await cipher.decrypt(
            session, waiver.partner_id, waiver.legal_basis_enc, field=_LEGAL_BASIS_FIELD, row=waiver.id
        )
    )
    return WaiverRead(
        id=waiver.id,
        hit_id=waiver.hit_id,
        legal_basis=legal_basis,
        cap_minor=waiver.cap_minor,
        currency=waiver.currency,
        valid_until=waiver.valid_until,
        status="approved" if waiver.status == "approved" else "pending",
        requested_by=waiver.requested_by,
        approved_by=waiver.approved_by,
    )


async def request_waiver(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    hit_id: str,
    data: WaiverCreate,
) -> WaiverRead:
    """Ask for a waiver of a hit (again, to raise a cap or extend validity); it counts once someone else approves."""
    hit = await get_hit_or_404(session, hit_id)
    if hit.status not in {"open", "waived"}:
        raise ScreeningHitNotOpen(f"Screening hit {hit_id} is {hit.status}; only open or waived hits take waivers.")
    try:
        currency = validate_currency(data.currency)
    except UnknownCurrency as error:
        raise Unprocessable(str(error)) from error
    waiver_id = new_id()
    waiver = Waiver(
        id=waiver_id,
        partner_id=actor.org,
        hit_id=hit.id,
        legal_basis_enc=await cipher.encrypt(
            session, actor.org, data.legal_basis, field=_LEGAL_BASIS_FIELD, row=waiver_id
        ),
        cap_minor=data.cap_minor,
        currency=currency,
        valid_until=data.valid_until,
        status="pending",
        requested_by=actor.subject,
        created_at=datetime.now(UTC),
    )
    await repository.add_waiver(session, waiver)
    await announce_change(session, publisher, actor, "waiver", waiver.id, "requested", partner_id=actor.org)
    return await waiver_read(session, cipher, waiver)


async def approve_waiver(
    session: AsyncSession, cipher: FieldCipher, publisher: EventPublisher, actor: Principal, waiver_id: str
) -> WaiverRead:
    """A second person approves a waiver; the hit then counts as waived within its cap and validity."""
    waiver = await repository.get_waiver(session, waiver_id)
    if waiver is None:
        raise WaiverNotFound(f"No waiver {waiver_id} for your organisation.")
    if waiver.status != "pending":
        raise WaiverNotPending(f"Waiver {waiver_id} is already {waiver.status}.")
    if waiver.requested_by == actor.subject:
        raise WaiverSelfApproval("A waiver must be approved by someone other than the person who requested it.")
    waiver.status, waiver.approved_by, waiver.approved_at = "approved", actor.subject, datetime.now(UTC)
    hit = await get_hit_or_404(session, waiver.hit_id)
    if hit.status == "open":
        hit.status, hit.reviewed_by, hit.reviewed_at = "waived", actor.subject, datetime.now(UTC)
    await session.flush()
    await _update_status(session, await _applicant_of(session, hit))
    await announce_change(session, publisher, actor, "waiver", waiver.id, "approved", partner_id=actor.org)
    return await waiver_read(session, cipher, waiver)


async def screening_blockers(
    session: AsyncSession, applicant: Applicant, totals: dict[str, int], on: date
) -> list[str]:
    """Why screening still blocks approving this applicant for these totals on this day (empty: it does not)."""
    if applicant.screening_status == ScreeningStatus.unavailable.value:
        return ["screening could not run because no sanctions list is loaded; screening fails closed"]
    if applicant.screening_status == ScreeningStatus.pending.value:
        return ["screening against the updated lists is still running; screening fails closed until it is done"]
    reasons = []
    for hit in await repository.list_hits_of_applicant(session, applicant.id):
        if hit.status == "open":
            reasons.append(f"screening hit {hit.id} awaits review")
        elif hit.status == "waived":
            waivers = await repository.approved_waivers_of_hit(session, hit.id)
            if not any(_waiver_covers(w, totals, on) for w in waivers):
                reasons.append(f"no valid waiver covers screening hit {hit.id} for this amount on {on.isoformat()}")
    return reasons


def _waiver_covers(waiver: Waiver, totals: dict[str, int], on: date) -> bool:
    if on > waiver.valid_until:
        return False
    return all(
        currency == waiver.currency and amount <= waiver.cap_minor for currency, amount in totals.items() if amount
    )

"""Screening many applicants at once: new registrations (one or a whole intake chunk) and re-screening batches.

The matching itself is pure CPU: a batch is screened in a worker thread when it is large enough to stall the
event loop, and its hits are then recorded with the statements of the surrounding flush, not one per hit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import Applicant, ScreeningHitRecord
from services.eligibility.screening.engine import ScreeningHit, ScreeningSubject
from services.eligibility.screening.lists import repository
from services.eligibility.screening.lists.pool import Outcome
from services.eligibility.screening.lists.service import (
    ScreeningState,
    apply_hit,
    new_hit_record,
    refresh_screening_state,
    screen_outcomes,
)
from shared.crypto import FieldCipher
from shared.schemas.eligibility import ScreeningStatus


async def screen_batch(
    state: ScreeningState, subjects: Sequence[ScreeningSubject], *, strict: bool = False
) -> list[Outcome]:
    """Screen subjects against the lists at hand, never on the event loop when there are more than a few."""
    return await screen_outcomes(state, subjects, strict=strict)


def _unique(hits: list[ScreeningHit]) -> list[tuple[tuple[str, str], ScreeningHit]]:
    seen: dict[tuple[str, str], ScreeningHit] = {}
    for hit in hits:
        seen.setdefault((hit.entry.source.value, hit.entry.entry_id), hit)
    return list(seen.items())


def status_of(statuses: set[str]) -> str:
    """An applicant's screening status from the statuses of all its hits."""
    if "open" in statuses:
        return ScreeningStatus.hits.value
    if statuses & {"cleared", "waived"}:
        return ScreeningStatus.resolved.value
    return ScreeningStatus.clear.value


async def screen_new_applicants(
    session: AsyncSession,
    cipher: FieldCipher,
    state: ScreeningState,
    screened: Sequence[tuple[Applicant, ScreeningSubject]],
) -> list[ScreeningHitRecord]:
    """Screen applicants not yet stored: set each one's status and return the hit records to add with them.

    A new applicant has no hits yet, so none are read back; without a loaded list the status stays
    `unavailable` (fails closed). Namesakes excluded by a contradicting birth date are `excluded` hits.
    """
    await refresh_screening_state(session, state)
    outcomes = await screen_batch(state, [subject for _, subject in screened])
    records: list[ScreeningHitRecord] = []
    for (applicant, _), hits in zip(screened, outcomes, strict=True):
        if hits is None:
            applicant.screening_status = ScreeningStatus.unavailable.value
            continue
        found: list[ScreeningHitRecord] = []
        for key, hit in _unique(hits):
            record = new_hit_record(applicant, key)
            await apply_hit(session, cipher, record, hit)
            found.append(record)
        applicant.screening_status = status_of({r.status for r in found})
        records.extend(found)
    return records


async def rescreen_applicants(
    session: AsyncSession,
    cipher: FieldCipher,
    state: ScreeningState,
    screened: Sequence[tuple[Applicant, ScreeningSubject]],
) -> None:
    """Screen stored applicants again, as `screen_applicant` does one by one, with their hits read in one statement.

    A hit still found is refreshed (a cleared or waived one keeps its review), one no longer found lapses, a new
    one is added; each applicant's status then follows from all its hits. Written by the caller's next flush.
    """
    await refresh_screening_state(session, state)
    outcomes = await screen_batch(state, [subject for _, subject in screened], strict=True)
    known_of: dict[str, dict[tuple[str, str], ScreeningHitRecord]] = {}
    for stored in await repository.list_hits_of_applicants(session, [a.id for a, _ in screened]):
        known_of.setdefault(stored.applicant_id, {})[(stored.list_source, stored.entry_id)] = stored
    added: list[ScreeningHitRecord] = []
    for (applicant, _), hits in zip(screened, outcomes, strict=True):
        if hits is None:
            applicant.screening_status = ScreeningStatus.unavailable.value
            continue
        known = known_of.get(applicant.id, {})
        seen: set[tuple[str, str]] = set()
        for key, hit in _unique(hits):
            seen.add(key)
            record = known.get(key)
            if record is None:
                record = new_hit_record(applicant, key)
                known[key] = record
                added.append(record)
            elif record.status not in {"open", "lapsed", "excluded"}:
                continue  # cleared or waived: the review stands
            await apply_hit(session, cipher, record, hit)
        for key, record in known.items():
            if key not in seen and record.status in {"open", "excluded"}:
                record.status = "lapsed"
        applicant.screening_status = status_of({r.status for r in known.values()})
    session.add_all(added)

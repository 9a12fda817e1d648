"""Screening many applicants at once: new registrations (one or a whole intake chunk) and re-screening batches.

The matching itself is pure CPU: a batch is screened in a worker thread when it is large enough to stall the
event loop, and its hits are then recorded with the statements of the surrounding flush, not one per hit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import Applicant, ScreeningHitRecord
from services.eligibility.screening.engine import ScreeningHit, ScreeningSubject
from services.eligibility.screening.lists import repository
from services.eligibility.screening.lists.pool import Outcome
from services.eligibility.screening.lists.service import (
    EXPLANATION_FIELD,
    ScreeningState,
    apply_hit,
    new_hit_record,
    refresh_screening_state,
    screen_outcomes,
)
from shared.bulk_insert import insert_rows
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.schemas.eligibility import ScreeningStatus

# Applicants' findings prepared between two turns of the event loop.
YIELD_EVERY = 50


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
    """Screen stored applicants again, as `screen_applicant` does one by one, written as plain rows.

    A hit still found is refreshed (a cleared or waived one keeps its review), one no longer found lapses, a new
    one is added; each applicant's status then follows from all its hits. The batch's hits are read in one
    statement and written in a few (new ones in one insert, found-again ones in one executemany, lapsed ones and
    each distinct status in one update each), explanations sealed per partner at once: no ORM object is built or
    flushed, so the event loop never runs a whole batch's unit of work in one go.
    """
    await refresh_screening_state(session, state)
    outcomes = await screen_batch(state, [subject for _, subject in screened], strict=True)
    known_of: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
    for hit_row in await repository.hit_rows_of_applicants(session, [a.id for a, _ in screened]):
        known_of.setdefault(hit_row.applicant_id, {})[(hit_row.list_source, hit_row.entry_id)] = (
            hit_row.id,
            hit_row.status,
        )
    now = datetime.now(UTC)
    added: list[dict[str, Any]] = []
    refreshed: list[dict[str, Any]] = []
    lapsed: list[str] = []
    statuses: dict[str, str] = {}
    # Explanations to seal, per partner: (plaintext, field, row) and the row that takes the token.
    sealing: dict[str, list[tuple[tuple[str, str, str], dict[str, Any], str]]] = {}
    for position, ((applicant, _), hits) in enumerate(zip(screened, outcomes, strict=True)):
        if position and not position % YIELD_EVERY:
            await asyncio.sleep(0)  # let requests in between
        if hits is None:
            statuses[applicant.id] = ScreeningStatus.unavailable.value
            continue
        known = known_of.get(applicant.id, {})
        found: set[str] = set()
        seen: set[tuple[str, str]] = set()
        for key, hit in _unique(hits):
            seen.add(key)
            status = "excluded" if hit.excluded else "open"
            stored = known.get(key)
            if stored is None:
                row: dict[str, Any] = {
                    "id": new_id(),
                    "partner_id": applicant.partner_id,
                    "applicant_id": applicant.id,
                    "list_source": key[0],
                    "entry_id": key[1][:200],
                    "list_version": hit.entry.list_version[:200],
                    "score": round(hit.score, 4),
                    "confident": hit.confident,
                    "explanation_enc": "",
                    "status": status,
                    "reviewed_by": None,
                    "created_at": now,
                    "reviewed_at": None,
                }
                added.append(row)
                sealing.setdefault(applicant.partner_id, []).append(
                    ((hit.explanation, EXPLANATION_FIELD, row["id"]), row, "explanation_enc")
                )
                found.add(status)
                continue
            hit_id, stored_status = stored
            if stored_status not in {"open", "lapsed", "excluded"}:
                found.add(stored_status)  # cleared or waived: the review stands
                continue
            row = {
                "hit_id": hit_id,
                "new_status": status,
                "new_list_version": hit.entry.list_version[:200],
                "new_score": round(hit.score, 4),
                "new_confident": hit.confident,
                "new_explanation_enc": "",
            }
            refreshed.append(row)
            sealing.setdefault(applicant.partner_id, []).append(
                ((hit.explanation, EXPLANATION_FIELD, hit_id), row, "new_explanation_enc")
            )
            found.add(status)
        for key, (hit_id, stored_status) in known.items():
            if key in seen:
                continue
            if stored_status in {"open", "excluded"}:
                lapsed.append(hit_id)
                found.add("lapsed")
            else:
                found.add(stored_status)
        statuses[applicant.id] = status_of(found)
    for partner_id, items in sealing.items():
        await asyncio.sleep(0)
        tokens = await cipher.encrypt_many(session, partner_id, [item for item, _, _ in items])
        for (_, row, column), token in zip(items, tokens, strict=True):
            row[column] = token
    await insert_rows(session, cast(Any, ScreeningHitRecord.__table__), added)
    await repository.refresh_hits(session, refreshed)
    await repository.lapse_hits(session, lapsed)
    await repository.set_screening_statuses(session, statuses)

"""Registering many applicants at once (a bulk intake's chunk): what each registration does, in a few statements.

Every applicant is checked, encrypted and hashed as in a single registration; duplicates are looked for and
screening runs for the whole batch (off the event loop); the rows, the audit entries and the events of the
batch are written with one statement per table (`COPY` on PostgreSQL).

The applicants of a batch are plain values, not ORM objects: nothing reads them back, and building, tracking
and flushing 500 mapped objects per chunk cost more than encrypting them. Duplicate search and screening read
the same attributes of them as of a mapped applicant (id, partner, citizenship, documents) and set the same two
statuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants import repository
from services.eligibility.applicants.errors import MainApplicantMissing
from services.eligibility.applicants.identity import Crypto, full_names
from services.eligibility.applicants.rows import NewApplicant, new_applicants
from services.eligibility.applicants.service import check_registration, registration_change
from services.eligibility.duplicates.service import find_conflicts
from services.eligibility.models import Applicant, ApplicantDocument
from services.eligibility.screening.lists.batch import screen_new_applicants
from services.eligibility.screening.lists.service import ScreeningState, screening_subject
from shared.auth import Principal
from shared.bulk_insert import insert_rows
from shared.changes import record_changes
from shared.errors import ProblemError
from shared.outbox import EventPublisher
from shared.schemas.eligibility import (
    ApplicantCreate,
    Category,
    Contact,
    PersonName,
)

# What became of each applicant of a batch: its id, or the problem that refused it.
Outcome = str | ProblemError
_names = TypeAdapter(list[PersonName])
_contacts = TypeAdapter(list[Contact])


async def _refuse_orphans(session: AsyncSession, batch: Sequence[ApplicantCreate]) -> dict[int, ProblemError]:
    """Family members whose main applicant is not a main applicant of the caller's partner, by position."""
    mains = await repository.categories_of(session, [d.main_applicant_id for d in batch if d.main_applicant_id])
    refused: dict[int, ProblemError] = {}
    for position, data in enumerate(batch):
        main = data.main_applicant_id
        if main is not None and mains.get(main, Category.family_member.value) == Category.family_member.value:
            refused[position] = MainApplicantMissing(
                f"No main applicant {main} is registered for your organisation; register the main applicant first."
            )
    return refused


async def _insert(session: AsyncSession, applicants: Sequence[NewApplicant]) -> None:
    """The applicants and their documents, one statement per table, with the statuses found for them."""
    rows = [
        a.row | {"duplicate_status": a.duplicate_status, "screening_status": a.screening_status} for a in applicants
    ]
    await insert_rows(session, cast(Any, Applicant.__table__), rows)
    documents = [
        {
            "applicant_id": a.id,
            "doc_type": d.doc_type,
            "issuing_country": d.issuing_country,
            "number_hash": d.number_hash,
        }
        for a in applicants
        for d in a.documents
    ]
    await insert_rows(session, cast(Any, ApplicantDocument.__table__), documents)


async def register_many(
    session: AsyncSession,
    crypto: Crypto,
    screening: ScreeningState,
    publisher: EventPublisher,
    actor: Principal,
    batch: Sequence[ApplicantCreate],
) -> list[Outcome]:
    """Register a batch for the actor's partner; each applicant's id, or the problem that refused it.

    A problem found after the checks (in screening or while writing) is raised for the whole batch: the
    caller rolls the batch back and can register its applicants one by one to tell which one it was.
    """
    outcomes: list[Outcome | None] = [None] * len(batch)
    for position, data in enumerate(batch):
        try:
            check_registration(data)
        except ProblemError as problem:
            outcomes[position] = problem
    for position, orphan in (await _refuse_orphans(session, batch)).items():
        outcomes[position] = outcomes[position] or orphan
    positions = [position for position in range(len(batch)) if outcomes[position] is None]
    accepted = [batch[position] for position in positions]
    applicants = await new_applicants(session, crypto, actor, accepted)
    # Plain values with the attributes a mapped applicant would give these two (see the module's note).
    as_mapped = cast(list[Applicant], applicants)
    conflicts = await find_conflicts(session, as_mapped)
    subjects = [
        (mapped, screening_subject(mapped, full_names(data.names), data.birth_date))
        for mapped, data in zip(as_mapped, accepted, strict=True)
    ]
    hits = await screen_new_applicants(session, crypto.cipher, screening, subjects)
    await _insert(session, applicants)
    if conflicts or hits:
        session.add_all([*conflicts, *hits])
        await session.flush()
    await record_changes(session, publisher, [registration_change(actor, a) for a in as_mapped])
    for position, applicant in zip(positions, applicants, strict=True):
        outcomes[position] = applicant.id
    return [o for o in outcomes if o is not None]

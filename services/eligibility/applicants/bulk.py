"""Registering many applicants at once (a bulk intake's chunk): what each registration does, in a few statements.

Every applicant is checked, encrypted and hashed as in a single registration; duplicates are looked for and
screening runs for the whole batch (off the event loop); the rows, the audit entries and the events of the
batch are written with one statement per table.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants import repository
from services.eligibility.applicants.errors import MainApplicantMissing
from services.eligibility.applicants.identity import Crypto, full_names, new_applicant
from services.eligibility.applicants.service import check_registration, registration_change
from services.eligibility.duplicates.service import find_conflicts
from services.eligibility.models import Applicant
from services.eligibility.screening.lists.batch import screen_new_applicants
from services.eligibility.screening.lists.service import ScreeningState, screening_subject
from shared.auth import Principal
from shared.changes import record_changes
from shared.errors import ProblemError
from shared.outbox import EventPublisher
from shared.schemas.eligibility import ApplicantCreate, Category

# What became of each applicant of a batch: its id, or the problem that refused it.
Outcome = str | ProblemError


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
    accepted: list[tuple[int, ApplicantCreate, Applicant]] = [
        (position, data, await new_applicant(session, crypto, actor, data))
        for position, data in enumerate(batch)
        if outcomes[position] is None
    ]
    applicants = [a for _, _, a in accepted]
    conflicts = await find_conflicts(session, applicants)
    subjects = [(a, screening_subject(a, full_names(data.names), data.birth_date)) for _, data, a in accepted]
    hits = await screen_new_applicants(session, crypto.cipher, screening, subjects)
    if applicants:
        await repository.insert_applicants(session, applicants)
    session.add_all([*conflicts, *hits])
    await session.flush()
    await record_changes(session, publisher, [registration_change(actor, a) for a in applicants])
    for position, _, applicant in accepted:
        outcomes[position] = applicant.id
    return [o for o in outcomes if o is not None]

"""Each person's consent history for a testimony, as publication reads it.

Kept apart from service.py: a consent change there reconciles publications, so publication cannot import it back.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.consent import repository
from services.testimony.consent.coverage import SubjectConsent


async def load_subject_consents(session: AsyncSession, testimony_id: str) -> dict[str, SubjectConsent]:
    """Every person's consent history for a testimony, keyed by their reference."""
    return await repository.load_subject_consents(session, testimony_id)


async def lock_records(session: AsyncSession, testimony_id: str) -> None:
    """Lock every consent record of a testimony until the transaction ends."""
    await repository.lock_records(session, testimony_id)

"""Whether a derivative is published, as review asks it.

Kept apart from service.py: publishing reads reviews and approvals through review's service, so review cannot
import publication's service back.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.publication import repository
from services.testimony.publication.models import Publication


async def find_live_publication(session: AsyncSession, derivative_id: str) -> Publication | None:
    """The live publication of a derivative, if any."""
    return await repository.find_live_for_derivative(session, derivative_id)

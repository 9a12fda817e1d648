"""Every SQL statement about derivatives, their media, reviews and approvals."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.review.models import Derivative, DerivativeMedia, Review, SubjectApproval


async def add_rows(session: AsyncSession, *rows: object) -> None:
    """Stage new rows and flush them."""
    session.add_all(rows)
    await session.flush()


async def get_derivative(session: AsyncSession, testimony_id: str, derivative_id: str) -> Derivative | None:
    """One derivative of a testimony in the session's tenant scope."""
    statement = select(Derivative).where(Derivative.id == derivative_id, Derivative.testimony_id == testimony_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def list_derivatives(session: AsyncSession, testimony_id: str) -> Sequence[Derivative]:
    """Every derivative of a testimony, oldest first."""
    statement = select(Derivative).where(Derivative.testimony_id == testimony_id).order_by(Derivative.id)
    return (await session.execute(statement)).scalars().all()


async def list_media(session: AsyncSession, derivative_ids: Sequence[str]) -> Sequence[DerivativeMedia]:
    """The media of some derivatives, by name."""
    statement = (
        select(DerivativeMedia)
        .where(DerivativeMedia.derivative_id.in_(derivative_ids))
        .order_by(DerivativeMedia.derivative_id, DerivativeMedia.name)
    )
    return (await session.execute(statement)).scalars().all()


async def list_reviews(session: AsyncSession, derivative_ids: Sequence[str]) -> Sequence[Review]:
    """The reviews of some derivatives, oldest first."""
    statement = select(Review).where(Review.derivative_id.in_(derivative_ids)).order_by(Review.created_at)
    return (await session.execute(statement)).scalars().all()


async def list_subject_approvals(session: AsyncSession, derivative_ids: Sequence[str]) -> Sequence[SubjectApproval]:
    """The approvals consenting people gave to some derivatives."""
    statement = select(SubjectApproval).where(SubjectApproval.derivative_id.in_(derivative_ids))
    return (await session.execute(statement)).scalars().all()


async def find_subject_approval(session: AsyncSession, derivative_id: str, record_id: str) -> SubjectApproval | None:
    """A person's approval of a derivative, if given."""
    statement = select(SubjectApproval).where(
        SubjectApproval.derivative_id == derivative_id, SubjectApproval.record_id == record_id
    )
    return (await session.execute(statement)).scalar_one_or_none()

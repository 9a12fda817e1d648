"""Every SQL statement about publications."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.models import DerivativeMedia
from services.testimony.publication.models import Publication

PUBLIC_LIST_LIMIT = 200


async def add_rows(session: AsyncSession, *rows: object) -> None:
    """Stage new rows and flush them."""
    session.add_all(rows)
    await session.flush()


async def get_publication(session: AsyncSession, publication_id: str) -> Publication | None:
    """One publication in the session's tenant scope."""
    statement = select(Publication).where(Publication.id == publication_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def list_for_testimony(session: AsyncSession, testimony_id: str) -> Sequence[Publication]:
    """Every publication of a testimony, oldest first."""
    statement = select(Publication).where(Publication.testimony_id == testimony_id).order_by(Publication.id)
    return (await session.execute(statement)).scalars().all()


async def list_live_for_testimony(session: AsyncSession, testimony_id: str) -> Sequence[Publication]:
    """The publications of a testimony that are not taken down, locked while their fate is decided."""
    statement = (
        select(Publication)
        .where(Publication.testimony_id == testimony_id, Publication.taken_down_at.is_(None))
        .order_by(Publication.id)
        .with_for_update()
    )
    return (await session.execute(statement)).scalars().all()


async def find_live_for_derivative(session: AsyncSession, derivative_id: str) -> Publication | None:
    """The live publication of a derivative, if any."""
    statement = select(Publication).where(
        Publication.derivative_id == derivative_id, Publication.taken_down_at.is_(None)
    )
    return (await session.execute(statement)).scalars().first()


async def list_lapsed(session: AsyncSession, now: datetime) -> Sequence[Publication]:
    """Live publications whose consent coverage has run out, in every tenant."""
    statement = (
        select(Publication)
        .where(Publication.taken_down_at.is_(None), Publication.covered_until <= now)
        .with_for_update()
        .execution_options(include_all_tenants=True)
    )
    return (await session.execute(statement)).scalars().all()


async def list_public(session: AsyncSession, now: datetime) -> Sequence[Publication]:
    """What the public may see now, newest first, in every tenant."""
    statement = (
        select(Publication)
        .where(
            Publication.taken_down_at.is_(None),
            or_(Publication.covered_until.is_(None), Publication.covered_until > now),
        )
        .order_by(Publication.published_at.desc(), Publication.id.desc())
        .limit(PUBLIC_LIST_LIMIT)
        .execution_options(include_all_tenants=True)
    )
    return (await session.execute(statement)).scalars().all()


async def list_withdrawn(session: AsyncSession, now: datetime) -> Sequence[Publication]:
    """Publications no longer public (taken down or lapsed), most recent first, in every tenant."""
    statement = (
        select(Publication)
        .where(or_(Publication.taken_down_at.is_not(None), Publication.covered_until <= now))
        .order_by(Publication.id.desc())
        .limit(PUBLIC_LIST_LIMIT)
        .execution_options(include_all_tenants=True)
    )
    return (await session.execute(statement)).scalars().all()


async def find_public(session: AsyncSession, publication_id: str) -> Publication | None:
    """A publication by its public id, in any tenant."""
    statement = select(Publication).where(Publication.id == publication_id).execution_options(include_all_tenants=True)
    return (await session.execute(statement)).scalar_one_or_none()


async def list_public_media(session: AsyncSession, derivative_ids: Sequence[str]) -> Sequence[DerivativeMedia]:
    """The media of published derivatives, in any tenant."""
    statement = (
        select(DerivativeMedia)
        .where(DerivativeMedia.derivative_id.in_(derivative_ids))
        .order_by(DerivativeMedia.name)
        .execution_options(include_all_tenants=True)
    )
    return (await session.execute(statement)).scalars().all()

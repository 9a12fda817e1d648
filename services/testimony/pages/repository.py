"""Every SQL statement about page sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.pages.models import PageSession


async def add_session(session: AsyncSession, row: PageSession) -> None:
    """Store a new page session."""
    session.add(row)
    await session.flush()


async def get_session(session: AsyncSession, key: str, now: datetime) -> PageSession | None:
    """A page session that has not expired."""
    statement = select(PageSession).where(PageSession.id == key, PageSession.expires_at > now)
    return (await session.execute(statement)).scalar_one_or_none()


async def delete_session(session: AsyncSession, key: str) -> None:
    """Forget one page session."""
    await session.execute(delete(PageSession).where(PageSession.id == key))


async def delete_expired(session: AsyncSession, now: datetime) -> None:
    """Forget every page session that has expired."""
    await session.execute(delete(PageSession).where(PageSession.expires_at <= now))

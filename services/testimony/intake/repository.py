"""Every SQL statement about testimonies, their originals and submission tokens."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.intake.models import FamilyMember, Original, SubmissionToken, Testimony
from shared.pagination import PageParams, keyset


async def add_rows(session: AsyncSession, *rows: object) -> None:
    """Stage new rows and flush them."""
    session.add_all(rows)
    await session.flush()


async def get_testimony(session: AsyncSession, testimony_id: str) -> Testimony | None:
    """One testimony in the session's tenant scope."""
    return (await session.execute(select(Testimony).where(Testimony.id == testimony_id))).scalar_one_or_none()


async def list_testimonies(session: AsyncSession, page: PageParams) -> Sequence[Testimony]:
    """One page of testimonies in the session's tenant scope."""
    return (await session.execute(keyset(select(Testimony), Testimony.id, page))).scalars().all()


async def list_originals(session: AsyncSession, testimony_ids: Sequence[str]) -> Sequence[Original]:
    """The originals of some testimonies, oldest first."""
    statement = select(Original).where(Original.testimony_id.in_(testimony_ids)).order_by(Original.id)
    return (await session.execute(statement)).scalars().all()


async def get_original(session: AsyncSession, testimony_id: str, original_id: str) -> Original | None:
    """One original of a testimony."""
    statement = select(Original).where(Original.testimony_id == testimony_id, Original.id == original_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def get_text_original(session: AsyncSession, testimony_id: str) -> Original | None:
    """The text original of a testimony."""
    statement = select(Original).where(Original.testimony_id == testimony_id, Original.kind == "text")
    return (await session.execute(statement)).scalar_one_or_none()


async def list_family_refs(session: AsyncSession, testimony_ids: Sequence[str]) -> dict[str, list[str]]:
    """The family member references of some testimonies."""
    statement = select(FamilyMember.testimony_id, FamilyMember.subject_ref).where(
        FamilyMember.testimony_id.in_(testimony_ids)
    )
    refs: dict[str, list[str]] = {}
    for testimony_id, subject_ref in (await session.execute(statement.order_by(FamilyMember.subject_ref))).all():
        refs.setdefault(testimony_id, []).append(subject_ref)
    return refs


async def find_submission_token(session: AsyncSession, token_hash: str) -> SubmissionToken | None:
    """A submission token by its hash, in any tenant (the token itself says whose it is)."""
    statement = (
        select(SubmissionToken)
        .where(SubmissionToken.token_hash == token_hash)
        .with_for_update()
        .execution_options(include_all_tenants=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()

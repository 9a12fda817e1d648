"""Every SQL statement about duplicate conflicts and the documents they are found by."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, ColumnElement, String, bindparam, func, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.duplicates.models import DuplicateConflict
from services.eligibility.models import Applicant, ApplicantDocument
from shared.pagination import PageParams, keyset
from shared.tenancy import tenant_scoped

_LOCK_IN_ORDER = text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ordered"
)
_LOCK_ONE = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))
_REGISTRATIONS = (
    select(ApplicantDocument.number_hash, Applicant.id, Applicant.partner_id)
    .join(ApplicantDocument, ApplicantDocument.applicant_id == Applicant.id)
    .distinct()
    .order_by(Applicant.id)
)
# Built once (the searches of every registration share one compiled form): PostgreSQL takes the hashes as one
# array parameter, SQLite as an expanding IN.
_REGISTRATIONS_OF = {
    "postgresql": _REGISTRATIONS.where(
        ApplicantDocument.number_hash == func.any(bindparam("hashes", type_=postgresql.ARRAY(String)))
    ),
    "sqlite": _REGISTRATIONS.where(ApplicantDocument.number_hash.in_(bindparam("hashes", expanding=True))),
}


async def lock_document_hashes(session: AsyncSession, number_hashes: Sequence[str]) -> None:
    """On PostgreSQL, serialise registrations of the same documents until this transaction ends.

    Without it, two partners registering one passport at the same moment would each miss the other.
    SQLite already runs one writer at a time. The lock must be its own statement, before the search: a
    statement that waited for the lock would still see the data of the moment it started.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({int(number_hash[:15], 16) for number_hash in number_hashes})
    # Pre-built, through the connection: a lock is not the tenant hook's concern, and the ORM path cost CPU.
    connection = await session.connection()
    if len(keys) == 1:
        await connection.execute(_LOCK_ONE, {"key": keys[0]})
    elif keys:
        # A batch's locks in one statement, taken in key order like everyone's, so that no two wait on each other.
        await connection.execute(_LOCK_IN_ORDER, {"keys": keys})


async def find_registrations_of_documents(
    session: AsyncSession, number_hashes: Sequence[str]
) -> list[tuple[str, str, str]]:
    """(document hash, applicant id, partner id) of every registration of any partner holding these documents.

    Across every tenant on purpose (a duplicate is found whoever registered it first): the statement runs on the
    session's connection, where the tenant hook does not look (nor autoflush: what is pending is flushed first).
    """
    if session.new:
        await session.flush()
    connection = await session.connection()
    stmt = _REGISTRATIONS_OF[connection.dialect.name]
    rows = (await connection.execute(stmt, {"hashes": list(number_hashes)})).all()
    return [(row[0], row[1], row[2]) for row in rows]


def _concerning(partner_id: str) -> ColumnElement[bool]:
    return or_(DuplicateConflict.partner_id == partner_id, DuplicateConflict.earlier_partner_id == partner_id)


async def get_conflict(session: AsyncSession, reference: str, partner_id: str) -> DuplicateConflict | None:
    stmt = select(DuplicateConflict).where(DuplicateConflict.id == reference, _concerning(partner_id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_conflicts(session: AsyncSession, partner_id: str, page: PageParams) -> Sequence[DuplicateConflict]:
    stmt = keyset(select(DuplicateConflict).where(_concerning(partner_id)), DuplicateConflict.id, page)
    return (await session.execute(stmt)).scalars().all()


async def count_open_conflicts(session: AsyncSession, applicant_id: str) -> int:
    stmt = select(func.count()).where(
        DuplicateConflict.applicant_id == applicant_id, DuplicateConflict.status == "open"
    )
    return int((await session.execute(stmt)).scalar_one())


async def get_later_applicant(session: AsyncSession, conflict: DuplicateConflict) -> Applicant | None:
    """The applicant registered later in a conflict, if the caller's tenant holds it."""
    stmt = select(Applicant).where(Applicant.id == conflict.applicant_id)
    return (await session.execute(tenant_scoped(session, stmt, Applicant))).scalar_one_or_none()

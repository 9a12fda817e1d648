"""Every SQL statement about applicants and their documents.

The reads filter by tenant explicitly (`tenant_scoped`) and fetch an applicant's documents and family in
the same statement: one round trip where a loader option, a second select and a family query took three.

The partner's read of one applicant is the hottest path: its statement is built once, with the tenant and the
id as parameters, returns plain rows (no ORM objects), and on PostgreSQL writes the read's audit entry in the
same statement (a data-modifying CTE that inserts only when the applicant is found).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Result, Row, Select, String, Table, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload

from services.eligibility.applicants.rows import NewApplicant
from services.eligibility.models import Applicant, ApplicantDocument, tables
from shared.pagination import PageParams, keyset
from shared.tenancy import TENANT_FILTERED, tenant_criteria, tenant_scoped

FamilyIds = list[str]
_APPLICANTS: Table = Applicant.__table__  # type: ignore[assignment]
_DOCUMENTS: Table = ApplicantDocument.__table__  # type: ignore[assignment]


# Built once: an alias copies every column of the table on first use, which cost a fifth of an applicant read's
# CPU when it was made per request.
_MEMBER = aliased(Applicant, name="family_member")


def _with_documents_and_family(session: AsyncSession) -> Select[Any]:
    family = (
        select(func.aggregate_strings(_MEMBER.id, ","))
        .where(_MEMBER.main_applicant_id == Applicant.id, *tenant_criteria(session, _MEMBER))
        .scalar_subquery()
    )
    stmt = select(Applicant, family).options(joinedload(Applicant.documents))
    return tenant_scoped(session, stmt, Applicant)


_TENANT = bindparam("tenant", type_=String)
_APPLICANT_ID = bindparam("applicant_id", type_=String)
_FAMILY_OF_ONE = (
    select(func.aggregate_strings(_MEMBER.id, ","))
    .where(_MEMBER.main_applicant_id == Applicant.id, _MEMBER.partner_id == _TENANT)
    .scalar_subquery()
)
_THE_APPLICANT = (Applicant.id == _APPLICANT_ID, Applicant.partner_id == _TENANT)
# One row per document (one row with empty document columns when it has none), each with the family's ids.
READ_ONE = (
    select(
        Applicant.id,
        Applicant.partner_id,
        Applicant.category,
        Applicant.names_enc,
        Applicant.birth_date_enc,
        Applicant.citizenship,
        Applicant.rank_or_post_enc,
        Applicant.contacts_enc,
        Applicant.service_verified,
        Applicant.arrived_in_partner_territory,
        Applicant.left_post,
        Applicant.main_applicant_id,
        Applicant.duplicate_status,
        Applicant.screening_status,
        Applicant.created_at,
        _FAMILY_OF_ONE.label("family"),
        ApplicantDocument.doc_type,
        ApplicantDocument.issuing_country,
    )
    .outerjoin(ApplicantDocument, ApplicantDocument.applicant_id == Applicant.id)
    .where(*_THE_APPLICANT)
    .order_by(ApplicantDocument.id)
)
_AUDIT_COLUMNS = [c.name for c in tables.audit_log.columns if c.name != "id"]
# The audit entry of the read, inserted only if the applicant is there: the `shared.audit.audit_row` values as
# parameters, selected from the applicant's row. PostgreSQL runs it with the read, before the read's rows return.
_AUDITED = (
    insert(tables.audit_log)
    .from_select(
        _AUDIT_COLUMNS,
        select(*(bindparam(f"audit_{c}", type_=tables.audit_log.c[c].type) for c in _AUDIT_COLUMNS)).where(
            *_THE_APPLICANT
        ),
    )
    .cte("audited")
)
READ_ONE_AUDITED = READ_ONE.add_cte(_AUDITED)
_READ_ONE_CHECKED = frozenset({Applicant})
_ID_LENGTH: int = _APPLICANTS.c.id.type.length  # type: ignore[attr-defined]


def _family(ids: str | None) -> FamilyIds:
    return sorted(ids.split(",")) if ids else []


async def add_applicant(session: AsyncSession, applicant: Applicant) -> Applicant:
    session.add(applicant)
    await session.flush()
    return applicant


async def get_applicant(session: AsyncSession, applicant_id: str) -> Applicant | None:
    """The applicant alone, without documents (they raise if touched)."""
    stmt = tenant_scoped(session, select(Applicant).where(Applicant.id == applicant_id), Applicant)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_applicant_with_family(session: AsyncSession, applicant_id: str) -> tuple[Applicant, FamilyIds] | None:
    """The applicant with its documents and the ids of its family members, in one statement."""
    stmt = _with_documents_and_family(session).where(Applicant.id == applicant_id)
    row = (await session.execute(stmt)).unique().first()
    return None if row is None else (row[0], _family(row[1]))


async def read_one(
    session: AsyncSession, tenant: str, applicant_id: str, audit: dict[str, Any] | None
) -> Sequence[Row[Any]]:
    """The rows of `READ_ONE` for one of `tenant`'s applicants (none if it has no such applicant).

    With `audit` (an `audit_row`), the same statement also appends that audit entry when the applicant is
    found (PostgreSQL only). The session hook still checks the tenant: the statement is marked as filtered
    for `tenant` on applicants, and the hook refuses it if that is not the session's tenant.
    """
    if len(applicant_id) > _ID_LENGTH:
        # No applicant has such an id, and PostgreSQL would refuse the audit entry's over-long resource id while
        # planning the statement, before finding no row.
        return []
    params: dict[str, Any] = {"tenant": tenant, "applicant_id": applicant_id}
    if audit is not None:
        params.update({f"audit_{c}": audit[c] for c in _AUDIT_COLUMNS})
    result: Result[Any] = await session.execute(
        READ_ONE if audit is None else READ_ONE_AUDITED,
        params,
        execution_options={TENANT_FILTERED: (tenant, _READ_ONE_CHECKED)},
    )
    return result.all()


async def list_applicants(session: AsyncSession, page: PageParams) -> Sequence[tuple[Applicant, FamilyIds]]:
    """One page of applicants (and the look-ahead row), each with its documents and family, in one statement."""
    stmt = keyset(_with_documents_and_family(session), Applicant.id, page)
    return [(row[0], _family(row[1])) for row in (await session.execute(stmt)).unique().all()]


async def list_family_member_ids(session: AsyncSession, main_applicant_id: str) -> list[str]:
    stmt = select(Applicant.id).where(Applicant.main_applicant_id == main_applicant_id).order_by(Applicant.id)
    return list((await session.execute(stmt)).scalars().all())


async def categories_of(session: AsyncSession, applicant_ids: Sequence[str]) -> dict[str, str]:
    """The category of each of these applicants the caller's tenant holds (missing ones are left out)."""
    if not applicant_ids:
        return {}
    stmt = select(Applicant.id, Applicant.category).where(Applicant.id.in_(sorted(set(applicant_ids))))
    return {row[0]: row[1] for row in (await session.execute(tenant_scoped(session, stmt, Applicant))).all()}


_APPLICANT_COLUMNS = tuple(c.key for c in Applicant.__table__.columns)
_DOCUMENT_COLUMNS = ("applicant_id", "doc_type", "issuing_country", "number_hash")
Rows = Sequence[dict[str, Any]]


def applicant_rows(applicant: NewApplicant) -> list[tuple[Table, Rows]]:
    """A new applicant and its documents as plain rows, per table, in the order they must be inserted."""
    statuses = {"duplicate_status": applicant.duplicate_status, "screening_status": applicant.screening_status}
    rows: list[tuple[Table, Rows]] = [(_APPLICANTS, [applicant.row | statuses])]
    if applicant.documents:
        documents = [
            {
                "applicant_id": applicant.id,
                "doc_type": d.doc_type,
                "issuing_country": d.issuing_country,
                "number_hash": d.number_hash,
            }
            for d in applicant.documents
        ]
        rows.append((_DOCUMENTS, documents))
    return rows


async def insert_rows_at_once(session: AsyncSession, rows: Sequence[tuple[Table, Rows]]) -> None:
    """Insert rows into several tables: one statement on PostgreSQL, one statement per table on SQLite.

    PostgreSQL runs every table but the last as a data-modifying CTE of the last one's insert (foreign keys
    are checked at the end of the statement, so a child may reference a parent inserted beside it). The
    statement of each shape (tables, columns, row counts) is built once, and compiled once when every table
    has one row (the usual registration).
    """
    rows = [(table, batch) for table, batch in rows if batch]
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for table, batch in rows:
            await session.execute(insert(table), list(batch))
        return
    shape = tuple((table, tuple(batch[0]), len(batch)) for table, batch in rows)
    params = {
        f"t{t}r{r}_{column}": value
        for t, (_, batch) in enumerate(rows)
        for r, row in enumerate(batch)
        for column, value in row.items()
    }
    # Through the connection: inserts are not the session hook's concern, and the ORM layer costs CPU here.
    await (await session.connection()).execute(_inserts_in_one(shape), params)


@functools.lru_cache(maxsize=256)
def _inserts_in_one(shape: tuple[tuple[Table, tuple[str, ...], int], ...]) -> Insert:
    def values(t: int, table: Table, columns: tuple[str, ...], count: int) -> Insert:
        rows = [{c: bindparam(f"t{t}r{r}_{c}", type_=table.c[c].type) for c in columns} for r in range(count)]
        # One row as a dict, not a one-row list: SQLAlchemy caches the compiled form only of a statement without
        # multi-row VALUES (their cache key is None), and compiling this statement anew was a third of a
        # registration's CPU. A table with several rows (rare: several documents) keeps the multi-row VALUES,
        # whose order is the order the rows are numbered in.
        return insert(table).values(rows[0] if count == 1 else rows)

    *first, last = [values(t, *part) for t, part in enumerate(shape)]
    return last.add_cte(*(statement.cte(f"inserted_{t}") for t, statement in enumerate(first)))

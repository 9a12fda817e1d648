"""Every SQL statement about NGO access grants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, Row, Select, and_, bindparam, exists, func, insert, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.asylum.access.models import AccessGrant
from services.asylum.cases.history import HistoryRow
from services.asylum.models import Case, CaseHistoryEntry, Dependant, tables
from shared.pagination import PageParams, decode_cursor
from shared.tenancy import ALL_TENANTS, TenantScopeMissing, session_tenant


async def add_grant(session: AsyncSession, grant: AccessGrant) -> AccessGrant:
    session.add(grant)
    await session.flush()
    return grant


async def get_grant(session: AsyncSession, case_id: str, grant_id: str) -> AccessGrant | None:
    stmt = select(AccessGrant).where(AccessGrant.case_id == case_id, AccessGrant.id == grant_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_grants(session: AsyncSession, case_id: str) -> Sequence[AccessGrant]:
    stmt = select(AccessGrant).where(AccessGrant.case_id == case_id).order_by(AccessGrant.id)
    return (await session.execute(stmt)).scalars().all()


async def revoke_active_grants(
    session: AsyncSession, case_id: str, ngo_org: str, revoked_at: datetime, revoked_by: str
) -> int:
    stmt = (
        update(AccessGrant)
        .where(AccessGrant.case_id == case_id, AccessGrant.ngo_org == ngo_org, AccessGrant.revoked_at.is_(None))
        .values(revoked_at=revoked_at, revoked_by=revoked_by)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(slots=True)
class SharedCase:
    """An NGO's active grant on a case with the case's facts, as plain values (no ORM objects).

    `id` is the case's id; `history` is filled only for a `full` grant, oldest first.
    """

    grant_id: str
    level: str
    id: str
    partner_id: str
    reference: str
    applicant_id: str
    state: str
    track: str
    citizenship_path: bool
    state_since: datetime
    created_at: datetime
    has_dependants: bool
    history: list[HistoryRow] = field(default_factory=list)


_GRANTS = AccessGrant.__table__
_CASES = Case.__table__
_HISTORY = CaseHistoryEntry.__table__
_DEPENDANTS = Dependant.__table__
_HISTORY_COLUMNS = tuple(c.name for c in _HISTORY.c)


def _granted() -> Select[Any]:
    """The NGO's active grants with their cases and whether each has dependants (`:ngo_org` bound)."""
    has_dependants = exists().where(_DEPENDANTS.c.case_id == _CASES.c.id).label("has_dependants")
    return (
        select(
            _GRANTS.c.id.label("grant_id"),
            _GRANTS.c.level,
            _CASES.c.id,
            _CASES.c.partner_id,
            _CASES.c.reference,
            _CASES.c.applicant_id,
            _CASES.c.state,
            _CASES.c.track,
            _CASES.c.citizenship_path,
            _CASES.c.state_since,
            _CASES.c.created_at,
            has_dependants,
        )
        .select_from(_GRANTS.join(_CASES, _CASES.c.id == _GRANTS.c.case_id))
        .where(_GRANTS.c.ngo_org == bindparam("ngo_org"), _GRANTS.c.revoked_at.is_(None))
    )


def _with_history(granted: CTE) -> Select[Any]:
    """Each granted row, repeated once per history entry of a `full` grant (once, without history, otherwise)."""
    history = [_HISTORY.c[name].label(f"h_{name}") for name in _HISTORY_COLUMNS]
    joined = granted.outerjoin(
        _HISTORY, and_(_HISTORY.c.case_id == granted.c.id, granted.c.level == bindparam("full_level", "full"))
    )
    return select(granted, *history).select_from(joined).order_by(granted.c.grant_id, _HISTORY.c.id)


# Built once: one NGO's grant on one case (the newest if several were active), its case and that case's history.
_ONE_GRANTED = (
    _granted().where(_GRANTS.c.case_id == bindparam("case_id")).order_by(_GRANTS.c.id.desc()).limit(1).cte("granted")
)
_ONE_SHARED = _with_history(_ONE_GRANTED)


def _page_granted(after: bool) -> CTE:
    granted = _granted()
    if after:
        granted = granted.where(_GRANTS.c.id > bindparam("after"))
    return granted.order_by(_GRANTS.c.id).limit(bindparam("limit")).cte("granted")


# One page of an NGO's grants (the first page, and a page after a cursor), their cases and histories.
_PAGE_GRANTED = {False: _page_granted(False), True: _page_granted(True)}
_PAGE_OF_SHARED = {after: _with_history(granted) for after, granted in _PAGE_GRANTED.items()}

# The audit entry's columns the read itself supplies, from each granted row; the caller's `audit` row (made by
# `shared.audit.audit_row`) gives every other column.
_AUDIT_FROM_READ = ("resource_id", "partner_id", "detail")
_AUDITED: dict[tuple[int, tuple[str, ...]], Select[Any]] = {}


def _audited(read: Select[Any], granted: CTE, columns: tuple[str, ...], *, limited: bool) -> Select[Any]:
    """`read` with an audit entry per granted row inserted by the same statement (a data-modifying CTE).

    Entries are inserted from the granted rows, so a read that finds no grant audits nothing. `limited`: only
    the first `:audit_limit` rows (a page's look-ahead row is not shown, so not audited). Built once per
    statement and set of audit columns.
    """
    statement = _AUDITED.get((id(read), columns))
    if statement is None:
        log = tables.audit_log
        from_read = {
            "resource_id": granted.c.id,
            "partner_id": granted.c.partner_id,
            "detail": func.jsonb_build_object(
                literal_column("'level'"), granted.c.level, literal_column("'grant_id'"), granted.c.grant_id
            ),
        }
        values = [
            from_read[name] if name in from_read else bindparam(f"audit_{name}", type_=log.c[name].type)
            for name in columns
        ]
        source = select(*values).select_from(granted)
        if limited:
            source = source.order_by(granted.c.grant_id).limit(bindparam("audit_limit"))
        audit = insert(log).from_select(list(columns), source).cte("audited")
        statement = _AUDITED[(id(read), columns)] = read.add_cte(audit)
    return statement


async def _run_audited(engine: AsyncEngine, statement: Select[Any], params: dict[str, Any]) -> Sequence[Row[Any]]:
    """Run a read that audits itself (one statement, atomic on its own) outside any transaction.

    One round trip instead of three (BEGIN, the statement, COMMIT); the request's session stays unused.
    """
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        rows: Sequence[Row[Any]] = (await autocommit.execute(statement, params)).all()
    return rows


def _audit_params(audit: dict[str, Any]) -> dict[str, Any]:
    return {f"audit_{name}": value for name, value in audit.items() if name not in _AUDIT_FROM_READ}


def _audit_engine(session: AsyncSession) -> AsyncEngine | None:
    """The engine to run a self-auditing read on: PostgreSQL only (SQLite has no data-modifying CTE)."""
    engine = session.bind
    return engine if isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql" else None


def _require_cross_tenant(session: AsyncSession) -> None:
    """These statements read across partners (the NGO's grant is the filter): only in a session scoped so."""
    if session_tenant(session) is not ALL_TENANTS:
        raise TenantScopeMissing("an NGO's shared cases are read only in a session scoped to all tenants")


def _shared_cases(rows: Sequence[Row[Any]]) -> list[SharedCase]:
    """Fold joined rows (one per history entry) into one SharedCase per grant, in the rows' order."""
    found: list[SharedCase] = []
    for row in rows:
        values = row._mapping
        if not found or found[-1].grant_id != values["grant_id"]:
            found.append(
                SharedCase(
                    grant_id=values["grant_id"],
                    level=values["level"],
                    id=values["id"],
                    partner_id=values["partner_id"],
                    reference=values["reference"],
                    applicant_id=values["applicant_id"],
                    state=values["state"],
                    track=values["track"],
                    citizenship_path=bool(values["citizenship_path"]),
                    state_since=values["state_since"],
                    created_at=values["created_at"],
                    has_dependants=bool(values["has_dependants"]),
                )
            )
        if values["h_id"] is not None:
            found[-1].history.append(HistoryRow(*(values[f"h_{name}"] for name in _HISTORY_COLUMNS)))
    return found


async def get_shared_case(
    session: AsyncSession, ngo_org: str, case_id: str, audit: dict[str, Any]
) -> tuple[SharedCase | None, bool]:
    """The NGO's active grant on a case, the case, whether it has dependants and its history: one statement.

    The grant is the filter: no active grant of this NGO, no row. Whether dependants exist rides along, so a
    case without family costs no dependants query; the history is joined only for a `full` grant.

    On PostgreSQL the same statement appends `audit` (an `audit_row`) for a case it finds, its `resource_id`,
    `partner_id` and `detail` (`level`, `grant_id`) taken from the grant read, and commits it on its own; the
    second value tells whether it did. SQLite has no data-modifying CTE: the caller inserts the entry in the
    request's transaction.
    """
    _require_cross_tenant(session)
    params: dict[str, Any] = {"ngo_org": ngo_org, "case_id": case_id}
    engine = _audit_engine(session)
    if engine is not None:
        statement = _audited(_ONE_SHARED, _ONE_GRANTED, tuple(audit), limited=False)
        rows = await _run_audited(engine, statement, {**params, **_audit_params(audit)})
    else:
        connection = await session.connection()
        rows = (await connection.execute(_ONE_SHARED, params)).all()
    audited = engine is not None
    found = _shared_cases(rows)
    return (found[0] if found else None), audited


async def list_shared_cases(
    session: AsyncSession, ngo_org: str, page: PageParams, audit: dict[str, Any]
) -> tuple[list[SharedCase], bool]:
    """One page (plus one grant, to tell whether another page follows) of the NGO's active grants: one statement.

    On PostgreSQL the same statement appends `audit` for each case of the page (not the look-ahead one), as
    `get_shared_case` does, and commits on its own; the second value tells whether it did.
    """
    _require_cross_tenant(session)
    params: dict[str, Any] = {"ngo_org": ngo_org, "limit": page.limit + 1}
    if page.after is not None:
        params["after"] = decode_cursor(page.after)
    after = page.after is not None
    engine = _audit_engine(session)
    if engine is not None:
        statement = _audited(_PAGE_OF_SHARED[after], _PAGE_GRANTED[after], tuple(audit), limited=True)
        rows = await _run_audited(engine, statement, {**params, **_audit_params(audit), "audit_limit": page.limit})
    else:
        connection = await session.connection()
        rows = (await connection.execute(_PAGE_OF_SHARED[after], params)).all()
    return _shared_cases(rows), engine is not None

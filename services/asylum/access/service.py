"""NGO access rules: a grant per consent, revocable at once; NGOs see granted cases and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.access import repository
from services.asylum.access.models import AccessGrant
from services.asylum.access.repository import SharedCase
from services.asylum.cases.errors import AccessGrantNotFound, CaseNotFound
from services.asylum.cases.history import describe_history
from services.asylum.cases.service import format_case_reference_text, load_case
from services.asylum.cases.states import CaseState
from services.asylum.cases.tracks import Track
from services.asylum.cases.wording import describe_status
from services.asylum.family import service as family
from services.asylum.models import Case, tables
from shared.audit import audit_row, record_audit, record_audits
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.asylum import AccessGrantCreate, AccessGrantRead, AccessLevel, CaseStatusView, SharedCaseRead
from shared.schemas.common import Page
from shared.tenancy import ALL_TENANTS, scope_to_tenant

RecordedBy = Literal["officer", "applicant"]
READ_BY_NGO = "case.read_by_ngo"


def describe_grant(grant: AccessGrant) -> AccessGrantRead:
    """The wire form of a grant."""
    return AccessGrantRead.model_validate(
        {
            "id": grant.id,
            "case_id": grant.case_id,
            "ngo_org": grant.ngo_org,
            "level": grant.level,
            "recorded_by_kind": grant.recorded_by_kind,
            "granted_at": grant.granted_at,
            "revoked_at": grant.revoked_at,
            "active": grant.revoked_at is None,
        }
    )


async def grant_access(
    session: AsyncSession,
    publisher: EventPublisher,
    actor: Principal,
    case: Case,
    ngo_org: str,
    level: AccessLevel,
    recorded_by: RecordedBy,
) -> AccessGrantRead:
    """Record a consent for one NGO on one case; it replaces any earlier grant to that NGO."""
    now = datetime.now(UTC)
    await repository.revoke_active_grants(session, case.id, ngo_org, now, actor.subject)
    grant = AccessGrant(
        id=new_id(),
        partner_id=case.partner_id,
        case_id=case.id,
        ngo_org=ngo_org,
        level=level,
        recorded_by_kind=recorded_by,
        recorded_by=actor.subject,
        granted_at=now,
    )
    await repository.add_grant(session, grant)
    # Announced against the case (resource "access", id = the case id), so subscribers know whose sharing changed.
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "access",
            case.id,
            "granted",
            partner_id=case.partner_id,
            detail={"grant_id": grant.id, "ngo_org": ngo_org, "level": level, "recorded_by": recorded_by},
        ),
    )
    return describe_grant(grant)


async def revoke_ngo_access(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, case: Case, ngo_org: str
) -> int:
    """Withdraw every active grant an NGO has on a case; effective when this transaction commits."""
    count = await repository.revoke_active_grants(session, case.id, ngo_org, datetime.now(UTC), actor.subject)
    detail = {"ngo_org": ngo_org, "count": count}
    if count == 0:
        # Nothing was withdrawn: the attempt is audited, but there is no change to announce.
        await record_audit(
            session,
            tables,
            actor,
            "access.revoke_attempted",
            "access",
            case.id,
            partner_id=case.partner_id,
            detail=detail,
        )
        return 0
    await record_change(
        session, publisher, Change(actor, "access", case.id, "revoked", partner_id=case.partner_id, detail=detail)
    )
    return count


async def record_officer_grant(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, case_id: str, data: AccessGrantCreate
) -> AccessGrantRead:
    """An officer records the applicant's consent for an NGO."""
    case = await load_case(session, case_id)
    return await grant_access(session, publisher, actor, case, data.ngo_org, data.level, "officer")


async def list_case_grants(session: AsyncSession, case_id: str) -> list[AccessGrantRead]:
    """Every grant on a case, active and revoked."""
    case = await load_case(session, case_id)
    return [describe_grant(g) for g in await repository.list_grants(session, case.id)]


async def revoke_grant(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, case_id: str, grant_id: str
) -> AccessGrantRead:
    """Revoke one grant at once (revoking a revoked grant changes nothing)."""
    case = await load_case(session, case_id)
    grant = await repository.get_grant(session, case.id, grant_id)
    if grant is None:
        raise AccessGrantNotFound(f"Case {case_id} has no access grant {grant_id}.")
    if grant.revoked_at is None:
        grant.revoked_at = datetime.now(UTC)
        grant.revoked_by = actor.subject
        await session.flush()
        await record_change(
            session,
            publisher,
            Change(
                actor,
                "access",
                case.id,
                "revoked",
                partner_id=case.partner_id,
                detail={"grant_id": grant.id, "ngo_org": grant.ngo_org},
            ),
        )
    return describe_grant(grant)


class StatusFacts(Protocol):
    """What a `status` view reads of a case: a stored case or a plain row."""

    @property
    def id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def track(self) -> str: ...
    @property
    def citizenship_path(self) -> bool: ...
    @property
    def state_since(self) -> datetime: ...
    @property
    def created_at(self) -> datetime: ...


def describe_status_view(case: StatusFacts) -> CaseStatusView:
    """A case at `status` level: state, dates and next step, nothing personal."""
    wording = describe_status(CaseState(case.state), track=Track(case.track), citizenship_path=case.citizenship_path)
    return CaseStatusView.model_validate(
        {
            "case_id": case.id,
            "state": case.state,
            "status": wording.status,
            "next_step": wording.next_step,
            "state_since": case.state_since,
            "opened_on": case.created_at.date(),
        }
    )


def read_audit_row(ngo: Principal, shared: SharedCase) -> dict[str, Any]:
    """The audit entry of one NGO read: which case, at which level, under which grant."""
    return audit_row(
        ngo,
        READ_BY_NGO,
        "case",
        shared.id,
        partner_id=shared.partner_id,
        detail={"level": shared.level, "grant_id": shared.grant_id},
    )


async def _describe_shared(session: AsyncSession, cipher: FieldCipher, shared: SharedCase) -> SharedCaseRead:
    answer = SharedCaseRead.model_validate(
        {
            "case_id": shared.id,
            "level": shared.level,
            "partner_id": shared.partner_id,
            "view": describe_status_view(shared),
        }
    )
    if shared.level == "full":
        answer.reference = format_case_reference_text(shared.reference)
        answer.applicant_id = shared.applicant_id
        answer.dependants = await family.describe_dependants(session, cipher, shared) if shared.has_dependants else []
        answer.history = [await describe_history(session, cipher, entry) for entry in shared.history]
    return answer


async def read_shared_case(session: AsyncSession, cipher: FieldCipher, ngo: Principal, case_id: str) -> SharedCaseRead:
    """A case granted to the calling NGO, at the granted level; anything else is not found."""
    scope_to_tenant(session, ALL_TENANTS)
    # The NGO's own active grant is the filter, across partners: grant, case and history in one statement.
    # On PostgreSQL the same statement writes the audit entry of the read (whose case, level and grant come
    # from the row it finds); elsewhere it is inserted below, with the same values.
    audit = audit_row(ngo, READ_BY_NGO, "case", case_id)
    shared, audited = await repository.get_shared_case(session, ngo.org, case_id, audit)
    if shared is None:
        raise CaseNotFound(f"No case {case_id} is shared with your organisation.")
    answer = await _describe_shared(session, cipher, shared)
    if not audited:
        await record_audits(session, tables, [read_audit_row(ngo, shared)])
    return answer


async def list_shared_cases(
    session: AsyncSession, cipher: FieldCipher, ngo: Principal, page: PageParams
) -> Page[SharedCaseRead]:
    """The cases currently granted to the calling NGO, one page at a time."""
    scope_to_tenant(session, ALL_TENANTS)
    # Grants, their cases, whether each has family and their histories in one statement.
    # On PostgreSQL that statement also audits each case of the page (its case, level and grant from its row).
    audit = audit_row(ngo, READ_BY_NGO, "case", "")
    found, audited = await repository.list_shared_cases(session, ngo.org, page, audit)
    items, cursor = split_page(found, page, lambda s: s.grant_id)
    answers = [await _describe_shared(session, cipher, shared) for shared in items]
    if not audited:
        await record_audits(session, tables, [read_audit_row(ngo, shared) for shared in items])
    return Page[SharedCaseRead](items=answers, next_cursor=cursor)

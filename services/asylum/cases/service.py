"""Case rules: opening, reading, transitions and the applicant's secret; flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.asylum.cases import repository
from services.asylum.cases.credentials import BoundedHasher, generate_applicant_secret
from services.asylum.cases.errors import ApplicantNotApproved, CaseAlreadyOpen, CaseChangedMeanwhile, CaseNotFound
from services.asylum.cases.history import add_history, describe_history
from services.asylum.cases.models import Case, CaseHistoryEntry
from services.asylum.cases.references import CaseReference, format_case_reference, generate_case_reference
from services.asylum.cases.states import (
    INITIAL_STATE,
    CaseState,
    apply_transition,
    list_allowed_transitions,
)
from services.asylum.cases.tracks import CaseCoverage, Track
from services.asylum.cases.wording import describe_status
from shared.auth import Principal
from shared.changes import Announcement, Change, record_change
from shared.crypto import FieldCipher
from shared.errors import InvalidParam
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.asylum import (
    ApplicantSecretIssued,
    CaseCreate,
    CaseCreated,
    CaseHistoryEntryRead,
    CaseRead,
    TransitionCreate,
)
from shared.schemas.common import Page
from shared.schemas.events import (
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    CaseOpened,
    CaseStatusChanged,
)

REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True)
class AsylumTools:
    """What the case rules work with besides the session."""

    publisher: EventPublisher
    hasher: BoundedHasher
    cipher: FieldCipher


def describe_case(case: Case | repository.CaseRow) -> CaseRead:
    """The wire form of a case as its partner sees it."""
    state = CaseState(case.state)
    wording = describe_status(state, track=Track(case.track), citizenship_path=case.citizenship_path)
    return CaseRead(
        id=case.id,
        reference=format_case_reference_text(case.reference),
        partner_id=case.partner_id,
        applicant_id=case.applicant_id,
        track=Track(case.track).value,
        family_track=Track(case.family_track).value if case.family_track else None,
        citizenship_path=case.citizenship_path,
        state=state.value,
        state_since=case.state_since,
        allowed_transitions=[s.value for s in list_allowed_transitions(state, citizenship_path=case.citizenship_path)],
        status=wording.status,
        next_step=wording.next_step,
        created_at=case.created_at,
    )


def format_case_reference_text(reference: str) -> str:
    """A stored reference in its printed form."""
    return format_case_reference(CaseReference(reference))


async def _fresh_reference(session: AsyncSession) -> str:
    for _ in range(REFERENCE_ATTEMPTS):
        reference = generate_case_reference()
        if not await repository.reference_taken(session, reference):
            return reference
    raise RuntimeError("could not draw an unused case reference; the random source is broken")


async def open_case(
    session: AsyncSession,
    tools: AsylumTools,
    actor: Principal,
    *,
    partner_id: str,
    applicant_id: str,
    assessment_id: str | None,
    coverage: CaseCoverage,
    citizenship_path: bool,
    approved_on: date | None,
    with_secret: bool,
) -> tuple[Case, str | None]:
    """Open a case in `registered`, record it in the history and announce it; returns the secret once."""
    if await repository.get_case_of_applicant(session, partner_id, applicant_id) is not None:
        raise CaseAlreadyOpen(f"Applicant {applicant_id} already has a case with your organisation.")
    now = datetime.now(UTC)
    secret = generate_applicant_secret() if with_secret else None
    case = Case(
        id=new_id(),
        partner_id=partner_id,
        reference=await _fresh_reference(session),
        applicant_id=applicant_id,
        assessment_id=assessment_id,
        track=coverage.track.value,
        family_track=coverage.family_track.value if coverage.family_track else None,
        citizenship_path=citizenship_path,
        approved_on=approved_on,
        state=INITIAL_STATE.value,
        state_since=now,
        secret_hash=await tools.hasher.hash_secret(secret) if secret else None,
        duress_hash=None,
        protection_flagged_at=None,
        protection_flag_count=0,
        created_at=now,
        created_by=actor.subject,
    )
    try:
        await repository.add_case(session, case)
    except IntegrityError as exc:
        # Two openings for one applicant raced past the check above; the second loses.
        raise CaseAlreadyOpen(f"Applicant {applicant_id} already has a case with your organisation.") from exc
    await repository.add_history(
        session,
        CaseHistoryEntry(
            case_id=case.id,
            kind="opened",
            from_state=None,
            to_state=case.state,
            actor_org=actor.org,
            actor_subject=actor.subject,
            at=now,
        ),
    )
    opened = CaseOpened(case_id=case.id, applicant_id=applicant_id, partner_id=partner_id)
    await record_change(
        session,
        tools.publisher,
        Change(actor, "case", case.id, "opened", partner_id=partner_id, announced_by=Announcement(CASE_OPENED, opened)),
    )
    return case, secret


async def create_case(session: AsyncSession, tools: AsylumTools, actor: Principal, data: CaseCreate) -> CaseCreated:
    """Open a case for an applicant of the actor's partner and return the secret, this once.

    The applicant must have been approved under the actor's partner (eligibility's signed approval reached
    asylum) or had a case transferred to it; any other id, unknown or another partner's, is refused alike.
    """
    if not await repository.has_applicant_tenancy(session, actor.org, data.applicant_id):
        raise ApplicantNotApproved(
            f"No applicant {data.applicant_id} approved under your organisation, or whose case was transferred to "
            "it, is known to asylum. Cases open for applicants your organisation approved in eligibility (the "
            "approval reaches asylum as an event within moments; try again shortly if it was just given).",
            invalid_params=[
                InvalidParam(name="body.applicant_id", reason="not an applicant approved under your organisation")
            ],
        )
    case, secret = await open_case(
        session,
        tools,
        actor,
        partner_id=actor.org,
        applicant_id=data.applicant_id,
        assessment_id=data.assessment_id,
        coverage=CaseCoverage(Track(data.track), Track(data.family_track) if data.family_track else None),
        citizenship_path=data.citizenship_path,
        approved_on=None,
        with_secret=True,
    )
    assert secret is not None
    return CaseCreated(**describe_case(case).model_dump(), secret=secret)


async def load_case(session: AsyncSession, case_id: str, *, for_update: bool = False) -> Case:
    """A case the session may see, or `CaseNotFound`."""
    case = await (repository.get_case_for_update if for_update else repository.get_case)(session, case_id)
    if case is None:
        raise CaseNotFound(f"No case {case_id} exists for your organisation.")
    return case


async def find_case_of_applicant(session: AsyncSession, partner_id: str, applicant_id: str) -> Case | None:
    """The applicant's case at the named partner (not necessarily the caller's), if one is open."""
    return await repository.get_case_of_applicant(session, partner_id, applicant_id)


async def find_case_by_reference(session: AsyncSession, reference: str) -> Case | None:
    """The case with this reference at whichever partner holds it, if any (the applicant's own lookup)."""
    return await repository.get_case_by_reference(session, reference)


async def read_case(session: AsyncSession, case_id: str) -> CaseRead:
    """One case of the session's partner."""
    case = await repository.read_case_row(session, case_id)
    if case is None:
        raise CaseNotFound(f"No case {case_id} exists for your organisation.")
    return describe_case(case)


async def list_cases(
    session: AsyncSession, page: PageParams, state: str | None, applicant_id: str | None = None
) -> Page[CaseRead]:
    """One page of the session's partner's cases, oldest first, optionally in one state or of one applicant."""
    rows = await repository.list_cases(session, page, state, applicant_id)
    items, cursor = split_page(rows, page, lambda c: c.id)
    return Page[CaseRead](items=[describe_case(c) for c in items], next_cursor=cursor)


async def list_case_holders(session: AsyncSession, case: Case) -> list[str]:
    """Every partner that held a case along its own history, in order, the one holding it now last."""
    transfers = await repository.list_transfers(session, case.id)
    holders = [transfers[0][0] or case.partner_id] if transfers else []
    holders += [to_partner for _, to_partner in transfers if to_partner is not None]
    if not holders or holders[-1] != case.partner_id:
        holders.append(case.partner_id)
    return holders


async def transition_case(
    session: AsyncSession, tools: AsylumTools, actor: Principal, case_id: str, data: TransitionCreate
) -> CaseRead:
    """Move a case to another state if its life cycle allows it; record who, when and why."""
    case = await load_case(session, case_id, for_update=True)
    current = CaseState(case.state)
    new_state = apply_transition(current, CaseState(data.to_state), citizenship_path=case.citizenship_path)
    now = datetime.now(UTC)
    case.state = new_state.value
    case.state_since = now
    try:
        await repository.save_case(session)
    except StaleDataError as exc:
        raise CaseChangedMeanwhile(f"Case {case_id} changed while this move was made; read it and try again.") from exc
    await add_history(
        session,
        tools.cipher,
        CaseHistoryEntry(
            case_id=case.id,
            kind="transition",
            from_state=current.value,
            to_state=new_state.value,
            actor_org=actor.org,
            actor_subject=actor.subject,
            at=now,
        ),
        reason=data.reason,
        partner_id=case.partner_id,
    )
    status_changed = CaseStatusChanged(
        case_id=case.id,
        applicant_id=case.applicant_id,
        partner_id=case.partner_id,
        from_state=current.value,
        to_state=new_state.value,
        changed_at=now,
        holders=await list_case_holders(session, case),
    )
    await record_change(
        session,
        tools.publisher,
        Change(
            actor,
            "case",
            case.id,
            "transitioned",
            partner_id=case.partner_id,
            detail={"from": current.value, "to": new_state.value},
            announced_by=Announcement(CASE_STATUS_CHANGED, status_changed),
        ),
    )
    return describe_case(case)


async def list_history(
    session: AsyncSession, cipher: FieldCipher, case_id: str, page: PageParams
) -> Page[CaseHistoryEntryRead]:
    """One page of a case's history, oldest first, reasons decrypted."""
    await load_case(session, case_id)
    rows = await repository.list_history(session, case_id, page)
    items, cursor = split_page(rows, page, lambda e: e.id)
    return Page[CaseHistoryEntryRead](
        items=[await describe_history(session, cipher, e) for e in items], next_cursor=cursor
    )


async def issue_applicant_secret(
    session: AsyncSession, tools: AsylumTools, actor: Principal, case_id: str
) -> ApplicantSecretIssued:
    """Give the applicant a new secret (the old one stops working); shown this once."""
    case = await load_case(session, case_id, for_update=True)
    secret = generate_applicant_secret()
    case.secret_hash = await tools.hasher.hash_secret(secret)
    await record_change(
        session, tools.publisher, Change(actor, "case", case.id, "secret_issued", partner_id=case.partner_id)
    )
    return ApplicantSecretIssued(case_id=case.id, reference=format_case_reference_text(case.reference), secret=secret)

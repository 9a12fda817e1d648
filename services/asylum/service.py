"""Case rules: opening (over the API or from an approval), transitions, history, transfer; flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.asylum import repository
from services.asylum.cases.credentials import BoundedHasher, generate_applicant_secret
from services.asylum.cases.errors import ApplicantNotApproved, CaseAlreadyOpen, CaseChangedMeanwhile, CaseNotFound
from services.asylum.cases.references import CaseReference, format_case_reference, generate_case_reference
from services.asylum.cases.states import (
    INITIAL_STATE,
    CaseState,
    apply_transition,
    ensure_transferable,
    list_allowed_transitions,
)
from services.asylum.cases.tracks import CaseCoverage, Track, choose_case_coverage
from services.asylum.cases.wording import describe_status
from services.asylum.changes import announce_change
from services.asylum.family import service as family
from services.asylum.models import Case, CaseHistoryEntry, tables
from shared.audit import record_audit
from shared.auth import CallerKind, Principal
from shared.crypto import FieldCipher, KeyDestroyed
from shared.db import lock_for_transaction
from shared.errors import InvalidParam, Unprocessable
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.asylum import (
    ApplicantSecretIssued,
    CaseCreate,
    CaseCreated,
    CaseHistoryEntryRead,
    CaseRead,
    CaseTransfer,
    TransitionCreate,
)
from shared.schemas.common import Page
from shared.schemas.events import (
    APPLICANT_APPROVED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    FAMILY_MEMBER_REGISTERED,
    ApplicantApproved,
    CaseOpened,
    CaseStatusChanged,
    EventEnvelope,
    FamilyMemberRegistered,
)
from shared.tenancy import scope_to_tenant
from shared.webhooks import claim_event

REFERENCE_ATTEMPTS = 5
# Why a partner may open a case for an applicant (`applicant_tenancies.basis`).
APPROVED_HERE = "approved"
TRANSFERRED_HERE = "transferred"
HISTORY_REASON_FIELD = "case_history.reason"


@dataclass(frozen=True)
class AsylumTools:
    """What the case rules work with besides the session."""

    publisher: EventPublisher
    hasher: BoundedHasher
    cipher: FieldCipher


def describe_case(case: Case) -> CaseRead:
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


def history_row_key(entry: CaseHistoryEntry) -> str:
    """What a history reason is bound to: the case and the entry's moment.

    History ids come from the database and the table is append-only (no update after the insert), so
    the reason is sealed before the entry has its id.
    """
    return f"{entry.case_id}@{entry.at.astimezone(UTC).isoformat()}"


async def add_history(
    session: AsyncSession, cipher: FieldCipher, entry: CaseHistoryEntry, *, reason: str | None, partner_id: str
) -> None:
    """Append a history entry, its reason sealed with the key of `partner_id`, the partner holding the case."""
    if reason is not None:
        entry.reason_enc = await cipher.encrypt(
            session, partner_id, reason, field=HISTORY_REASON_FIELD, row=history_row_key(entry)
        )
        entry.reason_partner = partner_id
    await repository.add_history(session, entry)


async def open_history_reason(session: AsyncSession, cipher: FieldCipher, entry: CaseHistoryEntry) -> str | None:
    """The clear text of a history reason; null once the writing partner's keys were destroyed (erased)."""
    if entry.reason_enc is None or entry.reason_partner is None:
        return None
    try:
        return await cipher.decrypt(
            session, entry.reason_partner, entry.reason_enc, field=HISTORY_REASON_FIELD, row=history_row_key(entry)
        )
    except KeyDestroyed:
        return None


async def describe_history(session: AsyncSession, cipher: FieldCipher, entry: CaseHistoryEntry) -> CaseHistoryEntryRead:
    """The wire form of one history entry, its reason decrypted."""
    return CaseHistoryEntryRead.model_validate(
        {
            "id": entry.id,
            "kind": entry.kind,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "from_partner": entry.from_partner,
            "to_partner": entry.to_partner,
            "reason": await open_history_reason(session, cipher, entry),
            "actor_org": entry.actor_org,
            "actor_subject": entry.actor_subject,
            "at": entry.at,
        }
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
    await tools.publisher.publish(
        session,
        CASE_OPENED,
        CaseOpened(case_id=case.id, applicant_id=applicant_id, partner_id=partner_id),
        partner_id=partner_id,
    )
    await record_audit(session, tables, actor, "case.opened", "case", case.id, partner_id=partner_id)
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


async def read_case(session: AsyncSession, case_id: str) -> CaseRead:
    """One case of the session's partner."""
    return describe_case(await load_case(session, case_id))


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
    await tools.publisher.publish(
        session,
        CASE_STATUS_CHANGED,
        CaseStatusChanged(
            case_id=case.id,
            applicant_id=case.applicant_id,
            partner_id=case.partner_id,
            from_state=current.value,
            to_state=new_state.value,
            changed_at=now,
            holders=await list_case_holders(session, case),
        ),
        partner_id=case.partner_id,
    )
    await record_audit(
        session,
        tables,
        actor,
        "case.transitioned",
        "case",
        case.id,
        partner_id=case.partner_id,
        detail={"from": current.value, "to": new_state.value},
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


async def transfer_case(
    session: AsyncSession, tools: AsylumTools, actor: Principal, case_id: str, data: CaseTransfer
) -> CaseRead:
    """Hand an open case, its history, family and grants, to another partner."""
    case = await load_case(session, case_id, for_update=True)
    ensure_transferable(CaseState(case.state))
    source = case.partner_id
    if data.to_partner == source:
        raise CaseAlreadyOpen("The case already belongs to your organisation; name another partner.")
    if await repository.get_case_of_applicant(session, data.to_partner, case.applicant_id) is not None:
        raise CaseAlreadyOpen(f"Partner {data.to_partner} already has a case for this applicant.")
    await family.reencrypt_dependants(session, tools.cipher, case.id, source, data.to_partner)
    case.partner_id = data.to_partner
    await repository.add_applicant_tenancy(
        session, data.to_partner, case.applicant_id, TRANSFERRED_HERE, datetime.now(UTC)
    )
    await repository.move_grants_to_partner(session, case.id, data.to_partner)
    # Sealed for the receiving partner, who holds the case from now on.
    await add_history(
        session,
        tools.cipher,
        CaseHistoryEntry(
            case_id=case.id,
            kind="transfer",
            from_state=case.state,
            to_state=case.state,
            from_partner=source,
            to_partner=data.to_partner,
            actor_org=actor.org,
            actor_subject=actor.subject,
            at=datetime.now(UTC),
        ),
        reason=data.reason,
        partner_id=data.to_partner,
    )
    # Both partners hear of it: the one that lost the case and the one that holds it now.
    for partner in (source, data.to_partner):
        await announce_change(
            session,
            tools.publisher,
            actor,
            "case",
            case.id,
            "transferred",
            partner_id=partner,
            detail={"from_partner": source, "to_partner": data.to_partner},
        )
    return describe_case(case)


async def issue_applicant_secret(
    session: AsyncSession, tools: AsylumTools, actor: Principal, case_id: str
) -> ApplicantSecretIssued:
    """Give the applicant a new secret (the old one stops working); shown this once."""
    case = await load_case(session, case_id, for_update=True)
    secret = generate_applicant_secret()
    case.secret_hash = await tools.hasher.hash_secret(secret)
    await announce_change(session, tools.publisher, actor, "case", case.id, "secret_issued", partner_id=case.partner_id)
    return ApplicantSecretIssued(case_id=case.id, reference=format_case_reference_text(case.reference), secret=secret)


def is_later_approval(approved: ApplicantApproved, case: Case) -> bool:
    """Whether an approval comes after the one the case follows: by approval date, then by assessment id."""
    if case.approved_on is None:
        return True
    return (approved.approved_on, approved.assessment_id) > (case.approved_on, case.assessment_id or "")


async def follow_approval(
    session: AsyncSession,
    tools: AsylumTools,
    actor: Principal,
    case: Case,
    approved: ApplicantApproved,
    coverage: CaseCoverage | None,
) -> None:
    """Bring a case up to a later approval: its citizenship path and family coverage now come from it.

    The case keeps its track, state and history; dependants already on it stay.
    """
    case.citizenship_path = approved.entitlements.citizenship_path
    case.family_track = coverage.family_track.value if coverage and coverage.family_track else None
    case.assessment_id = approved.assessment_id
    case.approved_on = approved.approved_on
    try:
        await repository.save_case(session)
    except StaleDataError as exc:
        raise CaseChangedMeanwhile(f"Case {case.id} changed while the approval was applied; deliver it again.") from exc
    await announce_change(
        session,
        tools.publisher,
        actor,
        "case",
        case.id,
        "approval_applied",
        partner_id=case.partner_id,
        detail={"assessment_id": approved.assessment_id, "citizenship_path": case.citizenship_path},
    )


async def open_case_from_approval(
    session: AsyncSession, tools: AsylumTools, event: EventEnvelope, approved: ApplicantApproved
) -> None:
    """Open the case of an approved applicant, or bring its case up to a later approval; then gather the family.

    Approvals and family registrations may arrive in any order: every family member heard of is remembered,
    and joins the case once the case exists and covers the family. An approval older than the one the case
    follows changes nothing but what it teaches about the family.
    """
    granted = approved.entitlements
    coverage = choose_case_coverage(
        asylum_track=granted.asylum_track,
        residence_path=granted.residence_path,
        family_asylum=granted.family_asylum,
        family_residence_path=granted.family_residence_path,
    )
    partner, applicant = approved.partner_id, approved.applicant_id
    scope_to_tenant(session, partner)
    await lock_for_transaction(session, family.family_lock_name(partner, applicant))
    await repository.add_applicant_tenancy(session, partner, applicant, APPROVED_HERE, datetime.now(UTC))
    await family.remember_family_members(session, partner, applicant, approved.dependant_ids)
    actor = Principal(org=event.source, kind=CallerKind.service, subject=f"event:{event.id}")
    case = await repository.get_case_of_applicant(session, partner, applicant)
    if case is None:
        if coverage is None:
            return
        # No secret yet: the partner issues one when it meets the applicant, so nobody else ever sees it.
        case, _ = await open_case(
            session,
            tools,
            actor,
            partner_id=partner,
            applicant_id=applicant,
            assessment_id=approved.assessment_id,
            coverage=coverage,
            citizenship_path=granted.citizenship_path,
            approved_on=approved.approved_on,
            with_secret=False,
        )
    elif is_later_approval(approved, case):
        await follow_approval(session, tools, actor, case, approved, coverage)
    await family.join_remembered_members(session, tools.publisher, actor, case)


async def handle_event(session: AsyncSession, tools: AsylumTools, event: EventEnvelope) -> None:
    """Handle one authenticated event; repeats of an event id and unknown event types change nothing."""
    try:
        approved = ApplicantApproved.model_validate(event.data) if event.type == APPLICANT_APPROVED else None
        member = FamilyMemberRegistered.model_validate(event.data) if event.type == FAMILY_MEMBER_REGISTERED else None
    except ValidationError as exc:
        raise Unprocessable(f"The event does not match its contract: {exc.errors()[0]['msg']}.") from exc
    if approved is None and member is None:
        return
    if not await claim_event(session, tables, event.id, event.type):
        return
    if approved is not None:
        await open_case_from_approval(session, tools, event, approved)
    elif member is not None:
        scope_to_tenant(session, member.partner_id)
        actor = Principal(org=event.source, kind=CallerKind.service, subject=f"event:{event.id}")
        await family.join_family_member(
            session, tools.publisher, actor, member.partner_id, member.main_applicant_id, member.applicant_id
        )

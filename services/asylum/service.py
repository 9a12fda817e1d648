"""Case rules: opening, transitions, history, transfer, secrets, statistics; flush, never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum import repository
from services.asylum.cases.credentials import SecretHasher, generate_applicant_secret
from services.asylum.cases.errors import CaseAlreadyOpen, CaseNotFound
from services.asylum.cases.references import CaseReference, format_case_reference, generate_case_reference
from services.asylum.cases.reporting import (
    TransitionRecord,
    as_utc,
    compute_median_days_per_state,
    count_cases_by_state,
    count_decisions_per_month,
)
from services.asylum.cases.states import (
    INITIAL_STATE,
    CaseState,
    apply_transition,
    ensure_transferable,
    list_allowed_transitions,
)
from services.asylum.cases.wording import describe_status
from services.asylum.family import service as family
from services.asylum.models import Case, CaseHistoryEntry, tables
from shared.audit import record_audit
from shared.auth import Principal
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.asylum import (
    ApplicantSecretIssued,
    CaseCreate,
    CaseCreated,
    CaseHistoryEntryRead,
    CaseRead,
    CaseStatistics,
    CaseTransfer,
    ProtectionAlertRead,
    TransitionCreate,
)
from shared.schemas.common import Page
from shared.schemas.events import CASE_OPENED, CASE_STATUS_CHANGED, CaseOpened, CaseStatusChanged

REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True)
class AsylumTools:
    """What the case rules work with besides the session."""

    publisher: EventPublisher
    hasher: SecretHasher
    cipher: FieldCipher


def describe_case(case: Case) -> CaseRead:
    """The wire form of a case as its partner sees it."""
    state = CaseState(case.state)
    wording = describe_status(state)
    return CaseRead(
        id=case.id,
        reference=format_case_reference_text(case.reference),
        partner_id=case.partner_id,
        applicant_id=case.applicant_id,
        state=state.value,
        state_since=as_utc(case.state_since),
        allowed_transitions=[s.value for s in list_allowed_transitions(state)],
        status=wording.status,
        next_step=wording.next_step,
        created_at=as_utc(case.created_at),
    )


def describe_history(entry: CaseHistoryEntry) -> CaseHistoryEntryRead:
    """The wire form of one history entry."""
    return CaseHistoryEntryRead.model_validate(
        {
            "id": entry.id,
            "kind": entry.kind,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "from_partner": entry.from_partner,
            "to_partner": entry.to_partner,
            "reason": entry.reason,
            "actor_org": entry.actor_org,
            "actor_subject": entry.actor_subject,
            "at": as_utc(entry.at),
        }
    )


def format_case_reference_text(reference: str) -> str:
    """A stored reference in its printed form."""
    return format_case_reference(CaseReference(reference))


async def hash_secret(hasher: SecretHasher, secret: str) -> str:
    """Hash a secret off the event loop: Argon2 is deliberately slow."""
    return await anyio.to_thread.run_sync(hasher.hash_secret, secret)


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
        state=INITIAL_STATE.value,
        state_since=now,
        secret_hash=await hash_secret(tools.hasher, secret) if secret else None,
        duress_hash=None,
        protection_flagged_at=None,
        protection_flag_count=0,
        created_at=now,
        created_by=actor.subject,
    )
    await repository.add_case(session, case)
    await repository.add_history(
        session,
        CaseHistoryEntry(
            case_id=case.id,
            kind="opened",
            from_state=None,
            to_state=case.state,
            reason=None,
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
    """Open a case for an applicant of the actor's partner and return the secret, this once."""
    case, secret = await open_case(
        session,
        tools,
        actor,
        partner_id=actor.org,
        applicant_id=data.applicant_id,
        assessment_id=data.assessment_id,
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


async def list_cases(session: AsyncSession, page: PageParams, state: str | None) -> Page[CaseRead]:
    """One page of the session's partner's cases, optionally in one state."""
    items, cursor = split_page(await repository.list_cases(session, page, state), page, lambda c: c.id)
    return Page[CaseRead](items=[describe_case(c) for c in items], next_cursor=cursor)


async def transition_case(
    session: AsyncSession, tools: AsylumTools, actor: Principal, case_id: str, data: TransitionCreate
) -> CaseRead:
    """Move a case to another state if its life cycle allows it; record who, when and why."""
    case = await load_case(session, case_id, for_update=True)
    current = CaseState(case.state)
    new_state = apply_transition(current, CaseState(data.to_state))
    now = datetime.now(UTC)
    case.state = new_state.value
    case.state_since = now
    await repository.add_history(
        session,
        CaseHistoryEntry(
            case_id=case.id,
            kind="transition",
            from_state=current.value,
            to_state=new_state.value,
            reason=data.reason,
            actor_org=actor.org,
            actor_subject=actor.subject,
            at=now,
        ),
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


async def list_history(session: AsyncSession, case_id: str, page: PageParams) -> Page[CaseHistoryEntryRead]:
    """One page of a case's history, oldest first."""
    await load_case(session, case_id)
    rows = await repository.list_history(session, case_id, page)
    items, cursor = split_page(rows, page, lambda e: e.id)
    return Page[CaseHistoryEntryRead](items=[describe_history(e) for e in items], next_cursor=cursor)


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
    await repository.move_grants_to_partner(session, case.id, data.to_partner)
    await repository.add_history(
        session,
        CaseHistoryEntry(
            case_id=case.id,
            kind="transfer",
            from_state=case.state,
            to_state=case.state,
            from_partner=source,
            to_partner=data.to_partner,
            reason=data.reason,
            actor_org=actor.org,
            actor_subject=actor.subject,
            at=datetime.now(UTC),
        ),
    )
    for partner in (source, data.to_partner):
        await record_audit(
            session,
            tables,
            actor,
            "case.transferred",
            "case",
            case.id,
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
    case.secret_hash = await hash_secret(tools.hasher, secret)
    await record_audit(session, tables, actor, "case.secret_issued", "case", case.id, partner_id=case.partner_id)
    return ApplicantSecretIssued(
        case_id=case.id, reference=format_case_reference_text(case.reference), secret=secret
    )


async def compute_statistics(session: AsyncSession, partner_id: str) -> CaseStatistics:
    """Cases by state, median days per state and decisions per month, from history alone."""
    records = [
        TransitionRecord(uuid.UUID(case_id), CaseState(state), at)
        for case_id, state, at in await repository.list_partner_history(session, partner_id)
    ]
    return CaseStatistics(
        cases_by_state={s.value: n for s, n in count_cases_by_state(records).items()},
        median_days_per_state={s.value: d for s, d in compute_median_days_per_state(records).items()},
        decisions_per_month={
            month: {s.value: n for s, n in counts.items()}
            for month, counts in count_decisions_per_month(records).items()
        },
    )


async def list_protection_alerts(
    session: AsyncSession, actor: Principal, page: PageParams
) -> Page[ProtectionAlertRead]:
    """Cases whose duress secret was used, for the partner's protection officers."""
    rows = await repository.list_flagged_cases(session, page)
    items, cursor = split_page(rows, page, lambda c: c.id)
    await record_audit(
        session, tables, actor, "case.alerts_listed", "case", "*", partner_id=actor.org, detail={"count": len(items)}
    )
    return Page[ProtectionAlertRead](
        items=[
            ProtectionAlertRead(
                case_id=c.id,
                reference=format_case_reference_text(c.reference),
                flagged_at=as_utc(c.protection_flagged_at or c.created_at),
                flag_count=c.protection_flag_count,
            )
            for c in items
        ],
        next_cursor=cursor,
    )


async def acknowledge_protection_alert(session: AsyncSession, actor: Principal, case_id: str) -> None:
    """Clear a case's duress flag once a protection officer has acted on it."""
    case = await load_case(session, case_id, for_update=True)
    case.protection_flagged_at = None
    case.protection_flag_count = 0
    await record_audit(
        session, tables, actor, "case.alert_acknowledged", "case", case.id, partner_id=case.partner_id
    )

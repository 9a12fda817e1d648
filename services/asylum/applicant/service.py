"""The applicant's own calls, authenticated by reference and secret, built to resist guessing.

Every call with a well-formed reference runs the same steps whatever the outcome: check the
reference's lockout, look the reference up, verify two Argon2 hashes (dummies when the case or its
duress secret is missing), then count a failure or clear the reference's counter.  Failures never
raise: they are returned, so that the failure counters and the duress flag commit with the request.

A client address is never locked out: many applicants may share one (a Tor exit, a carrier's NAT,
the ingress).  Its failures only make its next failing answers wait longer; a right secret is
answered at once, however many failures the address has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.access import service as access
from services.asylum.applicant import repository, throttle
from services.asylum.applicant.throttle import Caller, ThrottlePolicy
from services.asylum.cases.credentials import (
    BoundedHasher,
    LookupOutcome,
    StoredSecrets,
    check_duress_secret,
    normalise_secret,
)
from services.asylum.cases.errors import (
    ApplicantNotRecognised,
    DuressSecretRejected,
    HashingBusy,
    LookupLockedOut,
    MalformedCaseReference,
)
from services.asylum.cases.references import parse_case_reference
from services.asylum.cases.service import find_case_by_reference
from services.asylum.cases.states import CaseState
from services.asylum.cases.tracks import Track
from services.asylum.cases.wording import Language, choose_duress_state, describe_status
from services.asylum.models import Case, tables
from shared.audit import record_audit
from shared.auth import CallerKind, Principal
from shared.errors import ProblemError
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.schemas.asylum import (
    AccessGrantRead,
    ApplicantAccessGrantCreate,
    ApplicantAccessGrantRevoke,
    DuressSecretSet,
    StatusLookupRequest,
    StatusLookupResult,
)
from shared.tenancy import ALL_TENANTS, scope_to_tenant

NOT_RECOGNISED = "No case matches this reference and secret. Check both and try again."


@dataclass(frozen=True)
class Recognised:
    """A case whose genuine or duress secret was presented."""

    case: Case
    outcome: LookupOutcome

    @property
    def principal(self) -> Principal:
        """The applicant as an audit actor: no account, only the case they proved."""
        return Principal(org="applicant", kind=CallerKind.public, subject=f"applicant:{self.case.id}")


async def _flag_duress(session: AsyncSession, recognised: Recognised, now: datetime, action: str) -> None:
    case = recognised.case
    case.protection_flagged_at = now
    case.protection_flag_count += 1
    await session.flush()
    # Audit only, never an event: a duress use is for the protection officer's eyes, not for subscribers.
    await record_audit(
        session,
        tables,
        recognised.principal,
        "case.duress_used",
        "case",
        case.id,
        partner_id=case.partner_id,
        detail={"during": action},
    )


async def authenticate_applicant(
    session: AsyncSession, hasher: BoundedHasher, policy: ThrottlePolicy, caller: Caller, action: str
) -> Recognised | ProblemError:
    """Recognise the applicant's case by reference and secret, or say why not, in the same work."""
    now = datetime.now(UTC)
    try:
        reference = parse_case_reference(caller.reference)
    except MalformedCaseReference as exc:
        # The check character is public knowledge: saying "typo" reveals nothing about cases, so it is
        # answered before any throttle and counts against nobody.
        return exc
    scope_to_tenant(session, ALL_TENANTS)
    keys = throttle.throttle_keys(policy, caller)
    if (seconds_left := await throttle.lockout_left(session, keys[1], now)) is not None:
        return LookupLockedOut(throttle.describe_lockout(seconds_left), headers={"Retry-After": str(seconds_left)})
    case = await find_case_by_reference(session, reference)
    stored = StoredSecrets(case.secret_hash, case.duress_hash) if case and case.secret_hash else None
    try:
        outcome = await hasher.check_lookup(stored, caller.secret)
    except HashingBusy as exc:
        # Refused on load alone, before any check: nothing is counted, for a known case as for an unknown one.
        return exc
    if case is None or outcome is LookupOutcome.REJECTED:
        delay = await throttle.count_failure(session, policy, keys, now)
        return ApplicantNotRecognised(NOT_RECOGNISED, delay_seconds=delay)
    await repository.clear_throttle(session, keys[1])
    recognised = Recognised(case, outcome)
    if outcome is LookupOutcome.DURESS:
        await _flag_duress(session, recognised, now, action)
    return recognised


async def look_up_status(
    session: AsyncSession,
    hasher: BoundedHasher,
    policy: ThrottlePolicy,
    caller: Caller,
    data: StatusLookupRequest,
) -> StatusLookupResult | ProblemError:
    """The plain-language status of the applicant's case; under duress, an ordinary-looking one."""
    recognised = await authenticate_applicant(session, hasher, policy, caller, "status_lookup")
    if isinstance(recognised, ProblemError):
        return recognised
    case = recognised.case
    real = CaseState(case.state)
    shown = real
    if recognised.outcome is LookupOutcome.DURESS:
        reached = {CaseState(s) for s in await repository.list_states_reached(session, case.id)} | {real}
        shown = choose_duress_state(reached)
    since = case.state_since
    if shown is not real:
        since = await repository.first_entry_into(session, case.id, shown.value) or case.created_at
    language = Language(data.language)
    wording = describe_status(shown, language, track=Track(case.track), citizenship_path=case.citizenship_path)
    return StatusLookupResult.model_validate(
        {
            "state": shown.value,
            "status": wording.status,
            "next_step": wording.next_step,
            "since": since.date(),
            "language": language.value,
        }
    )


async def set_duress_secret(
    session: AsyncSession,
    hasher: BoundedHasher,
    policy: ThrottlePolicy,
    caller: Caller,
    data: DuressSecretSet,
) -> ProblemError | None:
    """Store the applicant's duress secret; used under duress, pretend to and only raise the flag."""
    recognised = await authenticate_applicant(session, hasher, policy, caller, "duress_secret")
    if isinstance(recognised, ProblemError):
        return recognised
    case = recognised.case
    if recognised.outcome is LookupOutcome.DURESS:
        # Answer exactly as the genuine path would, so the coercer learns nothing.
        try:
            check_duress_secret(data.duress_secret)
        except DuressSecretRejected as exc:
            return exc
        if normalise_secret(data.duress_secret) == normalise_secret(data.secret):
            return DuressSecretRejected("the duress secret must differ from the case secret")
        return None
    assert case.secret_hash is not None
    try:
        duress_hash = await hasher.hash_duress_secret(case.secret_hash, data.duress_secret)
    except DuressSecretRejected as exc:
        return exc
    case.duress_hash = duress_hash
    await session.flush()
    # Audit only: announcing it would tell subscribers this case has a duress secret, which protects only while unknown.
    await record_audit(
        session, tables, recognised.principal, "case.duress_secret_set", "case", case.id, partner_id=case.partner_id
    )
    return None


async def grant_access_as_applicant(
    session: AsyncSession,
    publisher: EventPublisher,
    hasher: BoundedHasher,
    policy: ThrottlePolicy,
    caller: Caller,
    data: ApplicantAccessGrantCreate,
) -> AccessGrantRead | ProblemError:
    """The applicant lets an NGO see their case; under duress, nothing is shared but it looks done."""
    recognised = await authenticate_applicant(session, hasher, policy, caller, "access_grant")
    if isinstance(recognised, ProblemError):
        return recognised
    if recognised.outcome is LookupOutcome.DURESS:
        # A coerced consent must not open the case to whoever forced it.
        return AccessGrantRead.model_validate(
            {
                "id": new_id(),
                "case_id": recognised.case.id,
                "ngo_org": data.ngo_org,
                "level": data.level,
                "recorded_by_kind": "applicant",
                "granted_at": datetime.now(UTC),
                "revoked_at": None,
                "active": True,
            }
        )
    return await access.grant_access(
        session, publisher, recognised.principal, recognised.case, data.ngo_org, data.level, "applicant"
    )


async def revoke_access_as_applicant(
    session: AsyncSession,
    publisher: EventPublisher,
    hasher: BoundedHasher,
    policy: ThrottlePolicy,
    caller: Caller,
    data: ApplicantAccessGrantRevoke,
) -> ProblemError | None:
    """The applicant withdraws an NGO's access at once; under duress, access stays and the flag goes up."""
    recognised = await authenticate_applicant(session, hasher, policy, caller, "access_revoke")
    if isinstance(recognised, ProblemError):
        return recognised
    if recognised.outcome is LookupOutcome.GENUINE:
        await access.revoke_ngo_access(session, publisher, recognised.principal, recognised.case, data.ngo_org)
    return None

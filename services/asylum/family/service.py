"""Dependant rules: family members follow the main case unless a decision is recorded for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.cases.dependants import check_dependant_decision, derive_dependant_state
from services.asylum.cases.errors import DependantAlreadyOnCase, DependantNotFound
from services.asylum.cases.service import find_case_of_applicant, load_case
from services.asylum.cases.states import CaseState
from services.asylum.family import repository
from services.asylum.family.models import Dependant
from services.asylum.models import Case, tables
from shared.audit import record_audit
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher, KeyDestroyed
from shared.db import lock_for_transaction
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.schemas.asylum import DependantCreate, DependantDecisionCreate, DependantRead

NAME_FIELD = "dependants.name"
BIRTH_DATE_FIELD = "dependants.birth_date"
DECISION_REASON_FIELD = "dependants.decision_reason"
# Every encrypted column of a dependant and the field its ciphertexts are bound to.
ENCRYPTED_FIELDS = (
    ("name_enc", NAME_FIELD),
    ("birth_date_enc", BIRTH_DATE_FIELD),
    ("decision_reason_enc", DECISION_REASON_FIELD),
)


class FamilyCase(Protocol):
    """What describing a case's dependants reads of the case: a stored case or a plain row."""

    @property
    def id(self) -> str: ...
    @property
    def partner_id(self) -> str: ...
    @property
    def state(self) -> str: ...


async def _decrypt(
    cipher: FieldCipher, session: AsyncSession, partner: str, dependant: Dependant, value: str | None, field: str
) -> str | None:
    # Every personal field of a dependant is optional: once the partner is erased they read as null, so
    # a list spanning partners (an NGO's shared cases) still answers.
    if value is None:
        return None
    try:
        return await cipher.decrypt(session, partner, value, field=field, row=dependant.id)
    except KeyDestroyed:
        return None


async def describe_dependant(
    session: AsyncSession, cipher: FieldCipher, case: FamilyCase, dependant: Dependant
) -> DependantRead:
    """The wire form of a dependant, personal fields decrypted, status derived from the case."""
    own = CaseState(dependant.decision) if dependant.decision else None
    birth = await _decrypt(cipher, session, case.partner_id, dependant, dependant.birth_date_enc, BIRTH_DATE_FIELD)
    return DependantRead.model_validate(
        {
            "id": dependant.id,
            "case_id": case.id,
            "relation": dependant.relation,
            "person_ref": dependant.person_ref,
            "name": await _decrypt(cipher, session, case.partner_id, dependant, dependant.name_enc, NAME_FIELD),
            "birth_date": date.fromisoformat(birth) if birth else None,
            "state": derive_dependant_state(CaseState(case.state), own).value,
            "state_source": "own_decision" if own else "main_case",
            "decision_reason": await _decrypt(
                cipher, session, case.partner_id, dependant, dependant.decision_reason_enc, DECISION_REASON_FIELD
            ),
            "decided_at": dependant.decided_at,
        }
    )


async def describe_dependants(session: AsyncSession, cipher: FieldCipher, case: FamilyCase) -> list[DependantRead]:
    """Every dependant of a case in wire form."""
    return [
        await describe_dependant(session, cipher, case, d) for d in await repository.list_dependants(session, case.id)
    ]


async def add_dependant(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    case_id: str,
    data: DependantCreate,
) -> DependantRead:
    """Add a family member to a case, encrypting their name and birth date."""
    case = await load_case(session, case_id)
    partner = case.partner_id
    if data.person_ref is not None and data.person_ref in await repository.list_person_refs(session, case.id):
        raise DependantAlreadyOnCase(f"Person {data.person_ref} is already a dependant on case {case_id}.")
    dependant_id = new_id()
    dependant = Dependant(
        id=dependant_id,
        case_id=case.id,
        relation=data.relation,
        person_ref=data.person_ref,
        name_enc=(
            await cipher.encrypt(session, partner, data.name, field=NAME_FIELD, row=dependant_id) if data.name else None
        ),
        birth_date_enc=(
            await cipher.encrypt(
                session, partner, data.birth_date.isoformat(), field=BIRTH_DATE_FIELD, row=dependant_id
            )
            if data.birth_date
            else None
        ),
        created_at=datetime.now(UTC),
    )
    await repository.add_dependant(session, dependant)
    await record_change(
        session,
        publisher,
        Change(actor, "dependant", dependant.id, "added", partner_id=partner, detail={"case_id": case.id}),
    )
    return await describe_dependant(session, cipher, case, dependant)


def family_lock_name(partner_id: str, main_applicant_id: str) -> str:
    """The lock that makes a main applicant's approvals and family registrations apply one at a time."""
    return f"asylum:family:{partner_id}:{main_applicant_id}"


async def remember_family_members(
    session: AsyncSession, partner_id: str, main_applicant_id: str, member_ids: Sequence[str]
) -> None:
    """Remember family members eligibility named for a main applicant, whether or not the case exists yet.

    The caller holds `family_lock_name` for the main applicant.
    """
    await repository.add_family_links(session, partner_id, main_applicant_id, member_ids, datetime.now(UTC))


async def join_remembered_members(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, case: Case
) -> None:
    """Add every remembered family member not yet on the case, if the case covers the family.

    Whichever came first, the approval or the family registration, the member ends up on the case once.
    """
    if case.family_track is None:
        return
    present = await repository.list_person_refs(session, case.id)
    missing = [m for m in await repository.list_family_members(session, case.applicant_id) if m not in present]
    await add_dependants_by_reference(session, publisher, actor, case, missing)


async def join_family_member(
    session: AsyncSession,
    publisher: EventPublisher,
    actor: Principal,
    partner_id: str,
    main_applicant_id: str,
    member_id: str,
) -> None:
    """Remember a family member registered in eligibility; they join the main applicant's case if it covers them."""
    await lock_for_transaction(session, family_lock_name(partner_id, main_applicant_id))
    await remember_family_members(session, partner_id, main_applicant_id, [member_id])
    case = await find_case_of_applicant(session, partner_id, main_applicant_id)
    if case is not None:
        await join_remembered_members(session, publisher, actor, case)


async def add_dependants_by_reference(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, case: Case, person_refs: Sequence[str]
) -> None:
    """Add family members known only by eligibility's pseudonymous ids (relation still unknown)."""
    now = datetime.now(UTC)
    for person_ref in person_refs:
        dependant = Dependant(id=new_id(), case_id=case.id, relation="unknown", person_ref=person_ref, created_at=now)
        await repository.add_dependant(session, dependant)
        await record_change(
            session,
            publisher,
            Change(actor, "dependant", dependant.id, "added", partner_id=case.partner_id, detail={"case_id": case.id}),
        )


async def list_dependants(
    session: AsyncSession, cipher: FieldCipher, actor: Principal, case_id: str
) -> list[DependantRead]:
    """The family members of a case; the read of their personal data is audited."""
    case = await load_case(session, case_id)
    await record_audit(session, tables, actor, "dependant.listed", "case", case.id, partner_id=case.partner_id)
    return await describe_dependants(session, cipher, case)


async def record_dependant_decision(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    case_id: str,
    dependant_id: str,
    data: DependantDecisionCreate,
) -> DependantRead:
    """Record a dependant's own decision, or clear it so they follow the main case again."""
    case = await load_case(session, case_id)
    dependant = await repository.get_dependant(session, case.id, dependant_id)
    if dependant is None:
        raise DependantNotFound(f"Case {case_id} has no dependant {dependant_id}.")
    decision = check_dependant_decision(CaseState(data.decision)) if data.decision else None
    dependant.decision = decision.value if decision else None
    dependant.decision_reason_enc = await cipher.encrypt(
        session, case.partner_id, data.reason, field=DECISION_REASON_FIELD, row=dependant.id
    )
    dependant.decided_at = datetime.now(UTC)
    dependant.decided_by = actor.subject
    await session.flush()
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "dependant",
            dependant.id,
            "decided",
            partner_id=case.partner_id,
            detail={"case_id": case.id, "decision": dependant.decision},
        ),
    )
    return await describe_dependant(session, cipher, case, dependant)


async def reencrypt_dependants(
    session: AsyncSession, cipher: FieldCipher, case_id: str, source: str, target: str
) -> None:
    """Move dependants' personal fields from one partner's key to another's (for a transfer)."""
    for dependant in await repository.list_dependants(session, case_id):
        for attr, field in ENCRYPTED_FIELDS:
            value = getattr(dependant, attr)
            if value is not None:
                plain = await cipher.decrypt(session, source, value, field=field, row=dependant.id)
                setattr(dependant, attr, await cipher.encrypt(session, target, plain, field=field, row=dependant.id))
    await session.flush()

"""Applicant rules: registration with encryption, keyed document hashes, duplicates, evidence, screening."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants import repository
from services.eligibility.errors import (
    ApplicantNotFound,
    CountryCodeUnknown,
    DuplicateAlreadyResolved,
    DuplicateConflictNotFound,
    MainApplicantMissing,
)
from services.eligibility.models import Applicant, ApplicantDocument, DuplicateConflict, tables
from services.eligibility.policies.engine.facts import validate_country
from services.eligibility.screening.lists.service import ScreeningState, screen_applicant, screening_subject
from shared.audit import record_audit
from shared.auth import Principal
from shared.changes import Announcement, Change, record_change
from shared.crypto import FieldCipher, keyed_hash
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas import events
from shared.schemas.common import Page
from shared.schemas.eligibility import (
    ApplicantCreate,
    ApplicantRead,
    Category,
    Contact,
    DocumentRead,
    DuplicateConflictRead,
    DuplicateStatus,
    Evidence,
    EvidenceUpdate,
    PersonName,
    ScreeningStatus,
)

_names = TypeAdapter(list[PersonName])
_contacts = TypeAdapter(list[Contact])
DOCUMENT_HASH_PURPOSE = "identity-document"


@dataclass(frozen=True)
class Crypto:
    """The keys eligibility works with."""

    cipher: FieldCipher
    blind_index_key: bytes


def document_key(blind_index_key: bytes) -> Callable[[str, str], str]:
    """The keyed hash of a document (issuing country and number) under a deployment's blind-index key.

    `keyed_hash` normalises first (NFKC, upper case, Cyrillic look-alikes as Latin, letters and digits only),
    so `75 12-34567` and `751234567` are one number, and so are a Cyrillic and a Latin `AK 1401`.
    Screening hashes listed documents with the same function, so they meet applicants' documents.
    """

    def key(country: str, number: str) -> str:
        return keyed_hash(blind_index_key, f"{country.upper()}:{number}", purpose=DOCUMENT_HASH_PURPOSE)

    return key


def document_hash(crypto: Crypto, country: str, number: str) -> str:
    """Keyed hash that matches the same document across partners without storing its number."""
    return document_key(crypto.blind_index_key)(country, number)


def full_names(names: list[PersonName]) -> tuple[str, ...]:
    """Every spelling of the applicant's full name, for screening."""
    return tuple(" ".join(p for p in (n.given, n.patronymic, n.family) if p) for n in names)


async def _encrypt(session: AsyncSession, crypto: Crypto, partner: str, text: str, field: str, row: str) -> str:
    return await crypto.cipher.encrypt(session, partner, text, field=f"applicants.{field}", row=row)


async def register_applicant(
    session: AsyncSession,
    crypto: Crypto,
    screening: ScreeningState,
    publisher: EventPublisher,
    actor: Principal,
    data: ApplicantCreate,
) -> ApplicantRead:
    """Register an applicant for the actor's partner: encrypt, hash documents, flag duplicates, screen."""
    partner = actor.org
    _check_countries(data)
    await _check_main_applicant(session, data)
    names_json = json.dumps([n.model_dump(mode="json") for n in data.names], ensure_ascii=False)
    contacts_json = json.dumps([c.model_dump(mode="json") for c in data.contacts], ensure_ascii=False)
    applicant_id = new_id()
    rank = data.rank_or_post
    applicant = Applicant(
        id=applicant_id,
        partner_id=partner,
        category=data.category.value,
        names_enc=await _encrypt(session, crypto, partner, names_json, "names", applicant_id),
        # An unknown birth date is stored as an encrypted empty text, so that no one can tell it apart.
        birth_date_enc=await _encrypt(session, crypto, partner, data.birth_date or "", "birth_date", applicant_id),
        citizenship=data.citizenship.upper(),
        rank_or_post_enc=await _encrypt(session, crypto, partner, rank, "rank_or_post", applicant_id) if rank else None,
        contacts_enc=(
            await _encrypt(session, crypto, partner, contacts_json, "contacts", applicant_id) if data.contacts else None
        ),
        service_verified=data.evidence.service_verified,
        arrived_in_partner_territory=data.evidence.arrived_in_partner_territory,
        left_post=data.evidence.left_post,
        main_applicant_id=data.main_applicant_id,
        duplicate_status=DuplicateStatus.none.value,
        screening_status=ScreeningStatus.unavailable.value,
        created_at=datetime.now(UTC),
        created_by=actor.subject,
        documents=[
            ApplicantDocument(
                doc_type=d.type,
                issuing_country=d.issuing_country.upper(),
                number_hash=document_hash(crypto, d.issuing_country, d.number),
            )
            for d in data.documents
        ],
    )
    await repository.add_applicant(session, applicant)
    await _flag_duplicates(session, applicant)
    subject = screening_subject(applicant, full_names(data.names), data.birth_date)
    await screen_applicant(session, crypto.cipher, screening, applicant, subject)
    await _announce_registration(session, publisher, actor, applicant)
    return await _to_read(session, crypto, applicant)


async def _announce_registration(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, applicant: Applicant
) -> None:
    if applicant.main_applicant_id is None:
        await record_change(
            session, publisher, Change(actor, "applicant", applicant.id, "registered", partner_id=applicant.partner_id)
        )
        return
    # A family member's registration is announced by its richer event: asylum needs the main applicant to
    # add them to the case, however long after the approval they were registered.
    registered = events.FamilyMemberRegistered(
        applicant_id=applicant.id,
        main_applicant_id=applicant.main_applicant_id,
        partner_id=applicant.partner_id,
        registered_at=applicant.created_at,
    )
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "applicant",
            applicant.id,
            "registered",
            partner_id=applicant.partner_id,
            announced_by=Announcement(events.FAMILY_MEMBER_REGISTERED, registered),
        ),
    )


def _check_countries(data: ApplicantCreate) -> None:
    fields = [("citizenship", data.citizenship)] + [
        (f"documents.{i}.issuing_country", d.issuing_country) for i, d in enumerate(data.documents)
    ]
    for name, code in fields:
        try:
            validate_country(code.upper())
        except ValueError as error:
            raise CountryCodeUnknown(f"{name}: {error}.") from error


async def _check_main_applicant(session: AsyncSession, data: ApplicantCreate) -> None:
    is_family = data.category is Category.family_member
    if is_family and data.main_applicant_id is None:
        raise MainApplicantMissing("A family_member needs main_applicant_id: the applicant whose tier covers them.")
    if not is_family and data.main_applicant_id is not None:
        raise MainApplicantMissing("Only a family_member links to a main applicant; drop main_applicant_id.")
    if data.main_applicant_id is not None:
        main = await repository.get_applicant(session, data.main_applicant_id)
        if main is None or main.category == Category.family_member.value:
            raise MainApplicantMissing(
                f"No main applicant {data.main_applicant_id} is registered for your organisation; "
                "register the main applicant first."
            )


async def _flag_duplicates(session: AsyncSession, applicant: Applicant) -> None:
    hashes = sorted({d.number_hash for d in applicant.documents})
    if not hashes:
        return
    await repository.lock_document_hashes(session, hashes)
    earlier = await repository.find_registrations_of_documents(session, hashes, applicant.id)
    for earlier_id, earlier_partner in earlier:
        await repository.add_conflict(
            session,
            DuplicateConflict(
                id=new_id(),
                applicant_id=applicant.id,
                partner_id=applicant.partner_id,
                earlier_applicant_id=earlier_id,
                earlier_partner_id=earlier_partner,
                status="open",
                created_at=datetime.now(UTC),
            ),
        )
    if earlier:
        applicant.duplicate_status = DuplicateStatus.suspected.value


async def decrypt_identity(
    session: AsyncSession, crypto: Crypto, applicant: Applicant
) -> tuple[list[PersonName], str | None, str | None]:
    """Names, birth date as known (`YYYY[-MM[-DD]]` or None) and rank or post of an applicant, decrypted."""
    partner, row = applicant.partner_id, applicant.id
    names = _names.validate_json(
        await crypto.cipher.decrypt(session, partner, applicant.names_enc, field="applicants.names", row=row)
    )
    birth = await crypto.cipher.decrypt(
        session, partner, applicant.birth_date_enc, field="applicants.birth_date", row=row
    )
    rank = (
        await crypto.cipher.decrypt(
            session, partner, applicant.rank_or_post_enc, field="applicants.rank_or_post", row=row
        )
        if applicant.rank_or_post_enc
        else None
    )
    return names, birth or None, rank


async def _to_read(session: AsyncSession, crypto: Crypto, applicant: Applicant) -> ApplicantRead:
    names, birth, rank = await decrypt_identity(session, crypto, applicant)
    contacts = (
        _contacts.validate_json(
            await crypto.cipher.decrypt(
                session, applicant.partner_id, applicant.contacts_enc, field="applicants.contacts", row=applicant.id
            )
        )
        if applicant.contacts_enc
        else []
    )
    return ApplicantRead(
        id=applicant.id,
        partner_id=applicant.partner_id,
        category=Category(applicant.category),
        names=names,
        birth_date=birth,
        citizenship=applicant.citizenship,
        documents=[DocumentRead(type=d.doc_type, issuing_country=d.issuing_country) for d in applicant.documents],
        rank_or_post=rank,
        contacts=contacts,
        evidence=Evidence(
            service_verified=applicant.service_verified,
            arrived_in_partner_territory=applicant.arrived_in_partner_territory,
            left_post=applicant.left_post,
        ),
        main_applicant_id=applicant.main_applicant_id,
        family_member_ids=await repository.list_family_member_ids(session, applicant.id),
        duplicate_status=DuplicateStatus(applicant.duplicate_status),
        screening_status=ScreeningStatus(applicant.screening_status),
        created_at=applicant.created_at,
    )


async def get_applicant_or_404(session: AsyncSession, applicant_id: str) -> Applicant:
    """The caller's applicant, or ApplicantNotFound (also for other partners' applicants)."""
    applicant = await repository.get_applicant(session, applicant_id)
    if applicant is None:
        raise ApplicantNotFound(f"No applicant {applicant_id} is registered for your organisation.")
    return applicant


async def read_applicant(session: AsyncSession, crypto: Crypto, actor: Principal, applicant_id: str) -> ApplicantRead:
    """Read one applicant of the actor's partner; the read of personal data is audited."""
    applicant = await get_applicant_or_404(session, applicant_id)
    await record_audit(
        session, tables, actor, "applicant.read", "applicant", applicant.id, partner_id=applicant.partner_id
    )
    return await _to_read(session, crypto, applicant)


async def list_applicants(
    session: AsyncSession, crypto: Crypto, actor: Principal, page: PageParams
) -> Page[ApplicantRead]:
    """One page of the actor's applicants, decrypted, with the cursor of the next."""
    rows = await repository.list_applicants(session, page)
    applicants, cursor = split_page(rows, page, lambda a: a.id)
    # Count what the caller sees, not the look-ahead row that only tells whether a next page exists.
    await record_audit(
        session,
        tables,
        actor,
        "applicant.listed",
        "applicant",
        "*",
        partner_id=actor.org,
        detail={"count": len(applicants)},
    )
    return Page[ApplicantRead](items=[await _to_read(session, crypto, a) for a in applicants], next_cursor=cursor)


async def update_evidence(
    session: AsyncSession,
    crypto: Crypto,
    publisher: EventPublisher,
    actor: Principal,
    applicant_id: str,
    change: EvidenceUpdate,
) -> ApplicantRead:
    """Record verified evidence (service verified, arrival, left post); later assessments see it.

    An arrival newly verified is announced as `eligibility.applicant.arrival_verified`, before or after an
    approval: payments releases the tranches waiting for it.
    """
    applicant = await get_applicant_or_404(session, applicant_id)
    changed = change.model_dump(exclude_none=True)
    arrived_now = change.arrived_in_partner_territory is True and not applicant.arrived_in_partner_territory
    for name, value in changed.items():
        setattr(applicant, name, value)
    await session.flush()
    if not arrived_now:
        await record_change(
            session,
            publisher,
            Change(
                actor, "applicant", applicant.id, "evidence_updated", partner_id=applicant.partner_id, detail=changed
            ),
        )
        return await _to_read(session, crypto, applicant)
    # The change is announced by the richer arrival event, which payments acts on.
    arrived = events.ArrivalVerified(
        applicant_id=applicant.id, partner_id=applicant.partner_id, verified_at=datetime.now(UTC)
    )
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "applicant",
            applicant.id,
            "evidence_updated",
            partner_id=applicant.partner_id,
            detail=changed,
            announced_by=Announcement(events.ARRIVAL_VERIFIED, arrived),
        ),
    )
    return await _to_read(session, crypto, applicant)


def conflict_as_seen_by(conflict: DuplicateConflict, partner_id: str) -> DuplicateConflictRead:
    """A conflict as one partner may see it: its own applicant and the reference, nothing of the other's."""
    later = conflict.partner_id == partner_id
    return DuplicateConflictRead(
        reference=conflict.id,
        applicant_id=conflict.applicant_id if later else conflict.earlier_applicant_id,
        registered_later=later,
        same_partner=conflict.partner_id == conflict.earlier_partner_id,
        status="resolved" if conflict.status == "resolved" else "open",
        outcome="same_person"
        if conflict.outcome == "same_person"
        else ("distinct_persons" if conflict.outcome == "distinct_persons" else None),
        created_at=conflict.created_at,
        resolved_at=conflict.resolved_at,
    )


async def list_conflicts(session: AsyncSession, actor: Principal, page: PageParams) -> Page[DuplicateConflictRead]:
    """Duplicate conflicts that concern the actor's partner, on either side."""
    conflicts, cursor = split_page(await repository.list_conflicts(session, actor.org, page), page, lambda c: c.id)
    return Page[DuplicateConflictRead](items=[conflict_as_seen_by(c, actor.org) for c in conflicts], next_cursor=cursor)


async def read_conflict(session: AsyncSession, actor: Principal, reference: str) -> DuplicateConflictRead:
    """One conflict that concerns the actor's partner."""
    conflict = await repository.get_conflict(session, reference, actor.org)
    if conflict is None:
        raise DuplicateConflictNotFound(f"No duplicate conflict {reference} concerns your organisation.")
    return conflict_as_seen_by(conflict, actor.org)


async def resolve_conflict(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, reference: str, outcome: str
) -> DuplicateConflictRead:
    """An officer of the later registration's partner decides whether the two are the same person."""
    conflict = await repository.get_conflict(session, reference, actor.org)
    if conflict is None or conflict.partner_id != actor.org:
        raise DuplicateConflictNotFound(
            f"No duplicate conflict {reference} that your organisation can resolve; "
            "the partner of the later registration resolves it."
        )
    if conflict.status == "resolved":
        raise DuplicateAlreadyResolved(f"Duplicate conflict {reference} was already resolved as {conflict.outcome}.")
    conflict.status = "resolved"
    conflict.outcome = outcome
    conflict.resolved_by = actor.subject
    conflict.resolved_at = datetime.now(UTC)
    await session.flush()
    applicant = await get_applicant_or_404(session, conflict.applicant_id)
    if outcome == "same_person":
        applicant.duplicate_status = DuplicateStatus.confirmed.value
    elif applicant.duplicate_status != DuplicateStatus.confirmed.value:
        still_open = await repository.count_open_conflicts(session, applicant.id)
        applicant.duplicate_status = (DuplicateStatus.suspected if still_open else DuplicateStatus.distinct).value
    await session.flush()
    await record_change(
        session,
        publisher,
        Change(actor, "duplicate_conflict", conflict.id, "resolved", partner_id=actor.org, detail={"outcome": outcome}),
    )
    return conflict_as_seen_by(conflict, actor.org)

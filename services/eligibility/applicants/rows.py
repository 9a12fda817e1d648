"""New applicants as plain values: what a registration (one, or a bulk intake's batch) encrypts, hashes and writes.

Nothing reads them back, and building and tracking mapped objects cost more than encrypting them. Duplicate
search and screening read the same attributes of them as of a mapped applicant (id, partner, citizenship,
documents) and set the same two statuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants.identity import Crypto, document_key
from shared.auth import Principal
from shared.ids import new_id
from shared.schemas.eligibility import (
    ApplicantCreate,
    ApplicantRead,
    Contact,
    DocumentRead,
    DuplicateStatus,
    PersonName,
    ScreeningStatus,
)

_names = TypeAdapter(list[PersonName])
_contacts = TypeAdapter(list[Contact])


@dataclass(slots=True)
class NewDocument:
    """A document of a new applicant, by keyed hash, as `ApplicantDocument` holds it."""

    doc_type: str
    issuing_country: str
    number_hash: str


@dataclass(slots=True)
class NewApplicant:
    """A new applicant of a batch as plain values: the attributes duplicates and screening read and set."""

    id: str
    partner_id: str
    citizenship: str
    main_applicant_id: str | None
    created_at: datetime
    documents: list[NewDocument]
    row: dict[str, Any]
    duplicate_status: str = DuplicateStatus.none.value
    screening_status: str = ScreeningStatus.unavailable.value


async def new_applicants(
    session: AsyncSession, crypto: Crypto, actor: Principal, batch: Sequence[ApplicantCreate]
) -> list[NewApplicant]:
    """The applicant rows of registrations, personal fields encrypted and documents hashed.

    The fields of the whole batch are sealed in one call (`encrypt_many`): the same ciphertexts, bound to each
    applicant's row, with one key look-up for all.
    """
    partner, key = actor.org, document_key(crypto.blind_index_key)
    made: list[NewApplicant] = []
    plaintexts: list[tuple[str, str, str]] = []
    destinations: list[tuple[dict[str, Any], str]] = []
    for data in batch:
        applicant_id, now = new_id(), datetime.now(UTC)
        main = data.main_applicant_id
        citizenship = data.citizenship.upper()
        row: dict[str, Any] = {
            "id": applicant_id,
            "partner_id": partner,
            "category": data.category.value,
            "names_enc": None,
            "birth_date_enc": None,
            "citizenship": citizenship,
            "rank_or_post_enc": None,
            "contacts_enc": None,
            "service_verified": data.evidence.service_verified,
            "arrived_in_partner_territory": data.evidence.arrived_in_partner_territory,
            "left_post": data.evidence.left_post,
            "main_applicant_id": main,
            "created_at": now,
            "created_by": actor.subject,
        }
        # An unknown birth date is stored as an encrypted empty text, so that no one can tell it apart.
        fields = [("names", _names.dump_json(data.names).decode()), ("birth_date", data.birth_date or "")]
        if data.rank_or_post:
            fields.append(("rank_or_post", data.rank_or_post))
        if data.contacts:
            fields.append(("contacts", _contacts.dump_json(data.contacts).decode()))
        for column, text in fields:
            plaintexts.append((text, f"applicants.{column}", applicant_id))
            destinations.append((row, f"{column}_enc"))
        documents = [
            NewDocument(d.type, d.issuing_country.upper(), key(d.issuing_country, d.number)) for d in data.documents
        ]
        made.append(NewApplicant(applicant_id, partner, citizenship, main, now, documents, row))
    sealed = await crypto.cipher.encrypt_many(session, partner, plaintexts)
    for (row, column), token in zip(destinations, sealed, strict=True):
        row[column] = token
    return made


def registered_read(applicant: NewApplicant, data: ApplicantCreate) -> ApplicantRead:
    """The wire form of an applicant just registered, from the plaintext it was registered with.

    What a read would decrypt is what `new_applicants` just encrypted, so nothing is decrypted: the same names,
    birth date (None when unknown), rank or post (None when empty) and contacts. Statuses come from the applicant
    (duplicate detection and screening set them); nobody can name it as their main applicant yet.
    """
    return ApplicantRead(
        id=applicant.id,
        partner_id=applicant.partner_id,
        category=data.category,
        names=data.names,
        birth_date=data.birth_date or None,
        citizenship=applicant.citizenship,
        documents=[DocumentRead(type=d.doc_type, issuing_country=d.issuing_country) for d in applicant.documents],
        rank_or_post=data.rank_or_post or None,
        contacts=data.contacts,
        evidence=data.evidence,
        main_applicant_id=applicant.main_applicant_id,
        family_member_ids=[],
        duplicate_status=DuplicateStatus(applicant.duplicate_status),
        screening_status=ScreeningStatus(applicant.screening_status),
        created_at=applicant.created_at,
    )

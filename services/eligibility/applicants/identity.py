"""An applicant's identity: encrypted on the way in, keyed document hashes, decrypted on the way out."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import Applicant, ApplicantDocument
from shared.auth import Principal
from shared.crypto import FieldCipher, keyed_hash
from shared.ids import new_id
from shared.schemas.eligibility import (
    ApplicantCreate,
    ApplicantRead,
    Category,
    Contact,
    DocumentRead,
    DuplicateStatus,
    Evidence,
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


async def new_applicant(session: AsyncSession, crypto: Crypto, actor: Principal, data: ApplicantCreate) -> Applicant:
    """The applicant row of a registration, its personal fields encrypted and its documents hashed (not yet added)."""
    partner, applicant_id = actor.org, new_id()
    names_json = json.dumps([n.model_dump(mode="json") for n in data.names], ensure_ascii=False)
    contacts_json = json.dumps([c.model_dump(mode="json") for c in data.contacts], ensure_ascii=False)
    # An unknown birth date is stored as an encrypted empty text, so that no one can tell it apart.
    fields = [("names", names_json), ("birth_date", data.birth_date or "")]
    if data.rank_or_post:
        fields.append(("rank_or_post", data.rank_or_post))
    if data.contacts:
        fields.append(("contacts", contacts_json))
    # One key look-up and one cipher for the applicant's fields (each its own nonce, as `encrypt` seals it).
    sealed = dict(
        zip(
            (name for name, _ in fields),
            await crypto.cipher.encrypt_many(
                session, partner, [(text, f"applicants.{name}", applicant_id) for name, text in fields]
            ),
            strict=True,
        )
    )
    key = document_key(crypto.blind_index_key)
    return Applicant(
        id=applicant_id,
        partner_id=partner,
        category=data.category.value,
        names_enc=sealed["names"],
        birth_date_enc=sealed["birth_date"],
        citizenship=data.citizenship.upper(),
        rank_or_post_enc=sealed.get("rank_or_post"),
        contacts_enc=sealed.get("contacts"),
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
                number_hash=key(d.issuing_country, d.number),
            )
            for d in data.documents
        ],
    )


async def decrypt_identity(
    session: AsyncSession, crypto: Crypto, applicant: Applicant
) -> tuple[list[PersonName], str | None, str | None]:
    """Names, birth date as known (`YYYY[-MM[-DD]]` or None) and rank or post of an applicant, decrypted."""
    names, birth, rank, _ = await _decrypt_fields(session, crypto, applicant, with_contacts=False)
    return names, birth, rank


async def _decrypt_fields(
    session: AsyncSession, crypto: Crypto, applicant: Applicant | Row[Any], *, with_contacts: bool = True
) -> tuple[list[PersonName], str | None, str | None, list[Contact]]:
    partner, row, cipher = applicant.partner_id, applicant.id, crypto.cipher
    names = _names.validate_json(
        await cipher.decrypt(session, partner, applicant.names_enc, field="applicants.names", row=row)
    )
    birth = await cipher.decrypt(session, partner, applicant.birth_date_enc, field="applicants.birth_date", row=row)
    rank = (
        await cipher.decrypt(session, partner, applicant.rank_or_post_enc, field="applicants.rank_or_post", row=row)
        if applicant.rank_or_post_enc
        else None
    )
    contacts = (
        _contacts.validate_json(
            await cipher.decrypt(session, partner, applicant.contacts_enc, field="applicants.contacts", row=row)
        )
        if with_contacts and applicant.contacts_enc
        else []
    )
    return names, birth or None, rank, contacts


async def applicant_read(
    session: AsyncSession, crypto: Crypto, applicant: Applicant, family_member_ids: list[str]
) -> ApplicantRead:
    """The wire form of an applicant, decrypted; the caller knows its family members (no query here)."""
    documents = [DocumentRead(type=d.doc_type, issuing_country=d.issuing_country) for d in applicant.documents]
    return await _wire_form(session, crypto, applicant, documents, family_member_ids)


def registered_read(applicant: Applicant, data: ApplicantCreate) -> ApplicantRead:
    """The wire form of an applicant just registered, from the plaintext it was registered with.

    What a read would decrypt is what `new_applicant` just encrypted, so nothing is decrypted: the same names,
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
        evidence=Evidence(
            service_verified=applicant.service_verified,
            arrived_in_partner_territory=applicant.arrived_in_partner_territory,
            left_post=applicant.left_post,
        ),
        main_applicant_id=applicant.main_applicant_id,
        family_member_ids=[],
        duplicate_status=DuplicateStatus(applicant.duplicate_status),
        screening_status=ScreeningStatus(applicant.screening_status),
        created_at=applicant.created_at,
    )


async def applicant_read_from_row(session: AsyncSession, crypto: Crypto, rows: Sequence[Row[Any]]) -> ApplicantRead:
    """The wire form of an applicant read as plain rows (`repository.READ_ONE`: one per document), decrypted."""
    first = rows[0]
    documents = [
        DocumentRead(type=r.doc_type, issuing_country=r.issuing_country) for r in rows if r.doc_type is not None
    ]
    family = sorted(first.family.split(",")) if first.family else []
    return await _wire_form(session, crypto, first, documents, family)


async def _wire_form(
    session: AsyncSession,
    crypto: Crypto,
    applicant: Applicant | Row[Any],
    documents: list[DocumentRead],
    family_member_ids: list[str],
) -> ApplicantRead:
    names, birth, rank, contacts = await _decrypt_fields(session, crypto, applicant)
    return ApplicantRead(
        id=applicant.id,
        partner_id=applicant.partner_id,
        category=Category(applicant.category),
        names=names,
        birth_date=birth,
        citizenship=applicant.citizenship,
        documents=documents,
        rank_or_post=rank,
        contacts=contacts,
        evidence=Evidence(
            service_verified=applicant.service_verified,
            arrived_in_partner_territory=applicant.arrived_in_partner_territory,
            left_post=applicant.left_post,
        ),
        main_applicant_id=applicant.main_applicant_id,
        family_member_ids=family_member_ids,
        duplicate_status=DuplicateStatus(applicant.duplicate_status),
        screening_status=ScreeningStatus(applicant.screening_status),
        created_at=applicant.created_at,
    )

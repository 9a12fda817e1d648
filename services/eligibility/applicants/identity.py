"""An applicant's identity: encrypted on the way in, keyed document hashes, decrypted on the way out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import Applicant
from shared.crypto import FieldCipher, keyed_hash
from shared.schemas.eligibility import (
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

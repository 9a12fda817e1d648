"""Eligibility business rules: no FastAPI here, flush but never commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility import repository
from services.eligibility.errors import ApplicantNotFound
from services.eligibility.models import Applicant, ApplicantDocument, tables
from shared.audit import record_audit
from shared.auth import Principal
from shared.crypto import FieldCipher, keyed_hash
from shared.ids import new_id
from shared.pagination import PageParams
from shared.schemas.eligibility import (
    ApplicantCreate,
    ApplicantRead,
    Category,
    DocumentRead,
    PersonName,
)

_names = TypeAdapter(list[PersonName])
DOCUMENT_HASH_PURPOSE = "identity-document"


@dataclass(frozen=True)
class Crypto:
    """The keys eligibility works with."""

    cipher: FieldCipher
    blind_index_key: bytes


def document_hash(crypto: Crypto, doc_type: str, country: str, number: str) -> str:
    """Keyed hash that matches the same document across partners without storing its number."""
    return keyed_hash(
        crypto.blind_index_key,
        f"{country.upper()}:{number}",
        purpose=DOCUMENT_HASH_PURPOSE,
    )


async def register_applicant(
    session: AsyncSession, crypto: Crypto, actor: Principal, data: ApplicantCreate
) -> ApplicantRead:
    """Register an applicant for the actor's partner, encrypting personal fields."""
    partner = actor.org
    names_json = json.dumps([n.model_dump(mode="json") for n in data.names], ensure_ascii=False)
    applicant = Applicant(
        id=new_id(),
        partner_id=partner,
        category=data.category.value,
        names_enc=await crypto.cipher.encrypt(session, partner, names_json, field="applicants.names"),
        birth_date_enc=await crypto.cipher.encrypt(
            session, partner, data.birth_date.isoformat(), field="applicants.birth_date"
        ),
        citizenship=data.citizenship.upper(),
        rank_or_post_enc=(
            await crypto.cipher.encrypt(session, partner, data.rank_or_post, field="applicants.rank_or_post")
            if data.rank_or_post
            else None
        ),
        created_at=datetime.now(UTC),
        created_by=actor.subject,
        documents=[
            ApplicantDocument(
                doc_type=d.type,
                issuing_country=d.issuing_country.upper(),
                number_hash=document_hash(crypto, d.type, d.issuing_country, d.number),
            )
            for d in data.documents
        ],
    )
    await repository.add_applicant(session, applicant)
    await record_audit(
        session,
        tables,
        actor,
        "applicant.registered",
        "applicant",
        applicant.id,
        partner_id=partner,
    )
    return await _to_read(session, crypto, applicant)


async def _to_read(session: AsyncSession, crypto: Crypto, applicant: Applicant) -> ApplicantRead:
    partner = applicant.partner_id
    names = _names.validate_json(
        await crypto.cipher.decrypt(session, partner, applicant.names_enc, field="applicants.names")
    )
    birth = await crypto.cipher.decrypt(session, partner, applicant.birth_date_enc, field="applicants.birth_date")
    rank = (
        await crypto.cipher.decrypt(
            session,
            partner,
            applicant.rank_or_post_enc,
            field="applicants.rank_or_post",
        )
        if applicant.rank_or_post_enc
        else None
    )
    return ApplicantRead(
        id=applicant.id,
        partner_id=partner,
        category=Category(applicant.category),
        names=names,
        birth_date=date.fromisoformat(birth),
        citizenship=applicant.citizenship,
        documents=[DocumentRead(type=d.doc_type, issuing_country=d.issuing_country) for d in applicant.documents],
        rank_or_post=rank,
        created_at=applicant.created_at,
    )


async def read_applicant(session: AsyncSession, crypto: Crypto, actor: Principal, applicant_id: str) -> ApplicantRead:
    """Read one applicant of the actor's partner; the read of personal data is audited."""
    applicant = await repository.get_applicant(session, applicant_id)
    if applicant is None:
        raise ApplicantNotFound(f"No applicant {applicant_id} is registered for your organisation.")
    await record_audit(
        session,
        tables,
        actor,
        "applicant.read",
        "applicant",
        applicant.id,
        partner_id=applicant.partner_id,
    )
    return await _to_read(session, crypto, applicant)


async def list_applicants(
    session: AsyncSession, crypto: Crypto, actor: Principal, page: PageParams
) -> tuple[list[ApplicantRead], list[Applicant]]:
    """One page of the actor's applicants, decrypted, with the rows for the cursor."""
    rows = list(await repository.list_applicants(session, page))
    await record_audit(
        session,
        tables,
        actor,
        "applicant.listed",
        "applicant",
        "*",
        partner_id=actor.org,
        detail={"count": len(rows)},
    )
    return [await _to_read(session, crypto, a) for a in rows[: page.limit]], rows

"""Duplicate identity documents across partners: flagged, blocking, resolved without revealing identities."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from services.eligibility.duplicates.repository import find_registrations_of_documents
from services.eligibility.models import Applicant, ApplicantDocument
from tests.eligibility.api.helpers import (
    UNRELATED_PERSON,
    applicant_body,
    approve,
    as_officer,
    assess,
    install_default_policy,
    load_list,
    register,
)
from tests.harness import Harness, Tokens

SAME_PASSPORT_OTHER_SPELLING = [{"type": "international_passport", "issuing_country": "ru", "number": "75-123 4567"}]


async def test_a_document_registered_by_another_partner_marks_the_new_applicant(
    eligibility: Harness, tokens: Tokens
) -> None:
    first = await register(eligibility, tokens, "DE")
    second = await register(eligibility, tokens, "PL", documents=SAME_PASSPORT_OTHER_SPELLING)
    assert first["duplicate_status"] == "none"
    assert second["duplicate_status"] == "suspected"
    seen_by_pl = (await eligibility.client.get("/v1/duplicate-conflicts", headers=as_officer(tokens, "PL"))).json()
    seen_by_de = (await eligibility.client.get("/v1/duplicate-conflicts", headers=as_officer(tokens, "DE"))).json()
    (pl_view,) = seen_by_pl["items"]
    (de_view,) = seen_by_de["items"]
    assert pl_view["reference"] == de_view["reference"]
    assert (pl_view["applicant_id"], pl_view["registered_later"]) == (second["id"], True)
    assert (de_view["applicant_id"], de_view["registered_later"]) == (first["id"], False)
    assert first["id"] not in str(seen_by_pl)
    assert second["id"] not in str(seen_by_de)
    assert not pl_view["same_partner"]


async def test_a_document_number_in_cyrillic_look_alikes_is_the_same_document(
    eligibility: Harness, tokens: Tokens
) -> None:
    latin = [{"type": "passport", "issuing_country": "RU", "number": "AK 14019394"}]
    cyrillic = [{"type": "passport", "issuing_country": "RU", "number": "\u0410\u041a 14019394"}]
    first = await register(eligibility, tokens, "DE", documents=latin)
    second = await register(eligibility, tokens, "PL", documents=cyrillic)
    assert first["duplicate_status"] == "none"
    assert second["duplicate_status"] == "suspected"


async def test_a_different_document_is_no_duplicate(eligibility: Harness, tokens: Tokens) -> None:
    await register(eligibility, tokens, "DE")
    other = [{"type": "passport", "issuing_country": "RU", "number": "75 7654321"}]
    assert (await register(eligibility, tokens, "PL", documents=other))["duplicate_status"] == "none"


async def test_a_possible_duplicate_cannot_be_approved_until_an_officer_resolves_it(
    eligibility: Harness, tokens: Tokens
) -> None:
    await install_default_policy(eligibility, tokens, "PL")
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    await register(eligibility, tokens, "DE")
    second = await register(eligibility, tokens, "PL", documents=SAME_PASSPORT_OTHER_SPELLING)
    assessment = (await assess(eligibility, tokens, second["id"], "PL")).json()
    blocked = await approve(eligibility, tokens, assessment["id"], "approver-1", "PL")
    assert blocked.status_code == 409
    assert "resolve the duplicate" in blocked.json()["detail"]
    reference = (await eligibility.client.get("/v1/duplicate-conflicts", headers=as_officer(tokens, "PL"))).json()[
        "items"
    ][0]["reference"]
    by_earlier_partner = await eligibility.client.post(
        f"/v1/duplicate-conflicts/{reference}/resolution",
        json={"outcome": "distinct_persons"},
        headers=as_officer(tokens, "DE", "officer"),
    )
    assert by_earlier_partner.status_code == 404
    resolved = await eligibility.client.post(
        f"/v1/duplicate-conflicts/{reference}/resolution",
        json={"outcome": "distinct_persons"},
        headers=as_officer(tokens, "PL", "officer"),
    )
    assert resolved.json()["status"] == "resolved"
    assert (await approve(eligibility, tokens, assessment["id"], "approver-1", "PL")).status_code == 200


async def test_a_confirmed_duplicate_stays_blocked(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens, "PL")
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    await register(eligibility, tokens, "DE")
    second = await register(eligibility, tokens, "PL")
    reference = (await eligibility.client.get("/v1/duplicate-conflicts", headers=as_officer(tokens, "PL"))).json()[
        "items"
    ][0]["reference"]
    await eligibility.client.post(
        f"/v1/duplicate-conflicts/{reference}/resolution",
        json={"outcome": "same_person"},
        headers=as_officer(tokens, "PL", "officer"),
    )
    assessment = (await assess(eligibility, tokens, second["id"], "PL")).json()
    blocked = await approve(eligibility, tokens, assessment["id"], "approver-1", "PL")
    assert blocked.status_code == 409
    assert "confirmed as a duplicate" in blocked.json()["detail"]


@pytest.mark.postgres_only
async def test_two_partners_registering_one_document_at_once_still_meet(eligibility: Harness, tokens: Tokens) -> None:
    answers = await asyncio.gather(
        *(
            eligibility.client.post("/v1/applicants", json=applicant_body(), headers=as_officer(tokens, org))
            for org in ("DE", "PL", "LT", "EE")
        )
    )
    statuses = sorted(r.json()["duplicate_status"] for r in answers)
    assert statuses == ["none", "suspected", "suspected", "suspected"]


async def test_the_document_search_sees_registrations_pending_in_the_session(eligibility: Harness) -> None:
    # The search runs on the session's connection (no autoflush there): what is pending is flushed first.
    pending = Applicant(
        id="01J0000000000000000000PEND",
        partner_id="PL",
        category="military",
        names_enc="x",
        birth_date_enc="x",
        citizenship="RU",
        service_verified=False,
        arrived_in_partner_territory=False,
        left_post=False,
        duplicate_status="none",
        screening_status="unavailable",
        created_at=datetime.now(UTC),
        created_by="PL:assessor",
        documents=[ApplicantDocument(doc_type="passport", issuing_country="RU", number_hash="ab" * 32)],
    )
    async with eligibility.app.state.sessionmaker() as session, session.begin():
        session.add(pending)
        found = await find_registrations_of_documents(session, ["ab" * 32, "cd" * 32])
        assert found == [("ab" * 32, pending.id, "PL")]
        await session.rollback()

"""A re-screening batch writes its hits and statuses as plain rows: reviews stand, hits lapse and reopen, documents
are screened, explanations stay sealed to their row (on PostgreSQL also through COPY)."""

from __future__ import annotations

from typing import Any

import pytest

from shared import bulk_insert
from shared.auth import CallerKind
from tests.eligibility.api.helpers import UNRELATED_PERSON, as_officer, load_list, register, wait_for_rescreening
from tests.harness import Harness, Tokens

LISTED_AS_PETROV = ("Ivan Sergeyevich", "PETROV", "1 Apr 1999")
LISTED_WITH_PASSPORT = b"""<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>11/21/2026</Publish_Date><Record_Count>1</Record_Count></publshInformation>
  <sdnEntry>
    <uid>7001</uid><firstName>Arkady</firstName><lastName>NOSOV</lastName><sdnType>Individual</sdnType>
    <idList><id><uid>7101</uid><idType>Passport</idType><idNumber>AK 9901234</idNumber>
      <idCountry>Russia</idCountry></id></idList>
  </sdnEntry>
</sdnList>"""


async def hits_of(h: Harness, tokens: Tokens, applicant_id: str) -> list[dict[str, Any]]:
    response = await h.client.get(f"/v1/applicants/{applicant_id}/screening-hits", headers=as_officer(tokens))
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()
    return hits


async def status_of(h: Harness, tokens: Tokens, applicant_id: str) -> str:
    read = await h.client.get(f"/v1/applicants/{applicant_id}", headers=as_officer(tokens))
    assert read.status_code == 200, read.text
    return str(read.json()["screening_status"])


@pytest.fixture(params=["executemany", "copy"])
def hit_insert(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """New hits inserted the way a small batch does, and (on PostgreSQL) the way a large one does (COPY)."""
    if request.param == "copy":
        monkeypatch.setattr(bulk_insert, "COPY_AT_LEAST", 1)
    return str(request.param)


async def test_rescreening_keeps_reviews_lapses_and_reopens_hits(
    eligibility: Harness, tokens: Tokens, hit_insert: str
) -> None:
    reviewed, other = await register(eligibility, tokens), await register(eligibility, tokens)
    stranger = await register(
        eligibility, tokens, names=[{"script": "latin", "family": "Smirnova", "given": "Olga"}], documents=[]
    )
    await load_list(eligibility, tokens, LISTED_AS_PETROV)
    assert [await status_of(eligibility, tokens, a["id"]) for a in (reviewed, other, stranger)] == [
        "hits",
        "hits",
        "clear",
    ]
    (first,) = await hits_of(eligibility, tokens, reviewed["id"])
    assert (first["status"], first["confident"]) == ("open", True)
    assert "PETROV" in first["explanation"].upper()  # sealed for its own row: it decrypts
    cleared = await eligibility.client.post(
        f"/v1/screening-hits/{first['id']}/clearance", headers=as_officer(tokens, "DE", "reviewer")
    )
    assert cleared.status_code == 200, cleared.text

    # Found again: the cleared review stands, the open hit is refreshed in place (no second hit).
    await load_list(eligibility, tokens, LISTED_AS_PETROV)
    assert [(h["id"], h["status"]) for h in await hits_of(eligibility, tokens, reviewed["id"])] == [
        (first["id"], "cleared")
    ]
    (open_hit,) = await hits_of(eligibility, tokens, other["id"])
    assert open_hit["status"] == "open"
    assert open_hit["explanation"]
    assert await status_of(eligibility, tokens, reviewed["id"]) == "resolved"
    assert await status_of(eligibility, tokens, other["id"]) == "hits"

    # No longer listed: the open hit lapses, the cleared one stays cleared.
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    assert [h["status"] for h in await hits_of(eligibility, tokens, other["id"])] == ["lapsed"]
    assert [h["status"] for h in await hits_of(eligibility, tokens, reviewed["id"])] == ["cleared"]
    assert await status_of(eligibility, tokens, other["id"]) == "clear"
    assert await status_of(eligibility, tokens, reviewed["id"]) == "resolved"

    # Listed again: the lapsed hit reopens, still one hit, its explanation sealed anew for its row.
    await load_list(eligibility, tokens, LISTED_AS_PETROV)
    reopened = await hits_of(eligibility, tokens, other["id"])
    assert [(h["id"], h["status"]) for h in reopened] == [(open_hit["id"], "open")]
    assert "PETROV" in reopened[0]["explanation"].upper()
    assert await status_of(eligibility, tokens, other["id"]) == "hits"
    assert await status_of(eligibility, tokens, stranger["id"]) == "clear"


async def test_rescreening_meets_a_stored_applicants_document(eligibility: Harness, tokens: Tokens) -> None:
    passport = [{"type": "passport", "issuing_country": "RU", "number": "AK9901234"}]
    holder = await register(
        eligibility, tokens, names=[{"script": "latin", "given": "Arkadi", "family": "Nossow"}], documents=passport
    )
    headers = {**tokens.headers("platform", CallerKind.operator, "sanctions:write"), "Content-Type": "application/xml"}
    response = await eligibility.client.post(
        "/v1/sanctions-lists/ofac_sdn", content=LISTED_WITH_PASSPORT, headers=headers
    )
    assert response.status_code == 202, response.text
    await wait_for_rescreening(eligibility, tokens, response.json()["rescreening_job_id"])
    (hit,) = await hits_of(eligibility, tokens, holder["id"])
    assert hit["confident"]
    assert "number matches a document number on the list" in hit["explanation"]
    assert await status_of(eligibility, tokens, holder["id"]) == "hits"

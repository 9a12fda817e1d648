"""Partial identities through the API: unknown or partial birth dates, single names, namesakes, documents."""

from __future__ import annotations

from typing import Any

from shared.auth import CallerKind
from tests.eligibility.api.helpers import (
    HEADER_FIELDS,
    applicant_body,
    approve,
    as_officer,
    assess,
    install_default_policy,
    load_list,
    register,
    wait_for_rescreening,
)
from tests.eligibility.api.test_intake import wait_for_job
from tests.harness import Harness, Tokens

LISTED = ("Vsevolod Kondratyevich", "ZHURAVSKIY", "14 Sep 1968")
ONLY_FAMILY_NAME = [{"script": "cyrillic", "family": "Журавский"}]


async def hits_of(h: Harness, tokens: Tokens, applicant_id: str) -> list[dict[str, Any]]:
    response = await h.client.get(f"/v1/applicants/{applicant_id}/screening-hits", headers=as_officer(tokens))
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()
    return hits


async def test_registration_accepts_unknown_and_partial_birth_dates_and_a_single_name_part(
    eligibility: Harness, tokens: Tokens
) -> None:
    for birth_date in (None, "1987", "1987-05", "1987-05-14"):
        created = await register(
            eligibility, tokens, names=ONLY_FAMILY_NAME, birth_date=birth_date, documents=[], category="conscript"
        )
        read = await eligibility.client.get(f"/v1/applicants/{created['id']}", headers=as_officer(tokens))
        assert read.json()["birth_date"] == birth_date
        assert read.json()["names"][0]["given"] is None


async def test_an_impossible_partial_date_or_a_name_without_parts_is_refused(
    eligibility: Harness, tokens: Tokens
) -> None:
    for overrides in ({"birth_date": "1987-13"}, {"birth_date": "87"}, {"names": [{"script": "latin"}]}):
        response = await eligibility.client.post(
            "/v1/applicants", json=applicant_body(**overrides), headers=as_officer(tokens)
        )
        assert response.status_code == 422, response.text
        assert "1987-13" not in response.json()["detail"]


async def test_a_namesake_with_another_birth_date_is_recorded_as_excluded_and_can_be_approved(
    eligibility: Harness, tokens: Tokens
) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, LISTED)
    namesake = await register(
        eligibility,
        tokens,
        category="skilled_professional",
        names=[{"script": "cyrillic", "given": "Всеволод", "patronymic": "Кондратьевич", "family": "Журавский"}],
        birth_date="1990-02-11",
    )
    assert namesake["screening_status"] == "clear"
    (hit,) = await hits_of(eligibility, tokens, namesake["id"])
    assert hit["status"] == "excluded"
    assert not hit["confident"]
    assert "contradicts the listed 1968-09-14" in hit["explanation"]
    assessment = (await assess(eligibility, tokens, namesake["id"])).json()
    approved = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert approved.status_code == 200, approved.text


async def test_an_unknown_birth_date_makes_a_review_hit_that_blocks(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, LISTED)
    unknown = await register(
        eligibility,
        tokens,
        category="skilled_professional",
        names=[{"script": "latin", "given": "Wsewolod", "family": "Schurawski"}],
        birth_date=None,
    )
    assert unknown["screening_status"] == "hits"
    (hit,) = await hits_of(eligibility, tokens, unknown["id"])
    assert hit["status"] == "open"
    assert not hit["confident"]
    assessment = (await assess(eligibility, tokens, unknown["id"])).json()
    blocked = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert blocked.status_code == 409
    assert "awaits review" in blocked.json()["detail"]


async def test_a_single_name_part_with_the_listed_birth_date_is_found(eligibility: Harness, tokens: Tokens) -> None:
    await load_list(eligibility, tokens, LISTED)
    deserter = await register(eligibility, tokens, names=ONLY_FAMILY_NAME, birth_date="1968-09-14", documents=[])
    (hit,) = await hits_of(eligibility, tokens, deserter["id"])
    assert hit["confident"]
    assert hit["status"] == "open"


async def test_look_alike_document_numbers_are_one_document_across_partners(
    eligibility: Harness, tokens: Tokens
) -> None:
    cyrillic = [{"type": "passport", "issuing_country": "RU", "number": "АК 5550123"}]
    latin = [{"type": "passport", "issuing_country": "RU", "number": "AK 5550123"}]
    await register(eligibility, tokens, "DE", documents=cyrillic)
    assert (await register(eligibility, tokens, "PL", documents=latin))["duplicate_status"] == "suspected"


LISTED_WITH_PASSPORT = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>11/21/2026</Publish_Date><Record_Count>1</Record_Count></publshInformation>
  <sdnEntry>
    <uid>7001</uid><firstName>Arkady</firstName><lastName>NOSOV</lastName><sdnType>Individual</sdnType>
    <idList><id><uid>7101</uid><idType>Passport</idType><idNumber>АК 9901234</idNumber>
      <idCountry>Russia</idCountry></id></idList>
  </sdnEntry>
</sdnList>"""


async def test_a_listed_passport_number_meets_the_applicants_keyed_hash(eligibility: Harness, tokens: Tokens) -> None:
    headers = {**tokens.headers("platform", CallerKind.operator, "sanctions:write"), "Content-Type": "application/xml"}
    response = await eligibility.client.post(
        "/v1/sanctions-lists/ofac_sdn", content=LISTED_WITH_PASSPORT.encode(), headers=headers
    )
    assert response.status_code == 202, response.text
    await wait_for_rescreening(eligibility, tokens, response.json()["rescreening_job_id"])
    passport = [{"type": "passport", "issuing_country": "RU", "number": "AK9901234"}]
    holder = await register(
        eligibility, tokens, names=[{"script": "latin", "given": "Arkadi", "family": "Nossow"}], documents=passport
    )
    (hit,) = await hits_of(eligibility, tokens, holder["id"])
    assert hit["confident"]
    assert "number matches a document number on the list" in hit["explanation"]


async def test_intake_and_assessment_take_partial_birth_dates(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    rows = [
        "conscript,Zhuravskiy,,,,,,1987,RU,private,,,,true,false,",
        "conscript,,,,Журавский,,,,RU,private,,,,true,false,",
    ]
    headers = {**as_officer(tokens), "Content-Type": "text/csv"}
    upload = await eligibility.client.post(
        "/v1/intake-jobs", content="\n".join([HEADER_FIELDS, *rows]).encode(), headers=headers
    )
    assert upload.status_code == 202, upload.text
    job = await wait_for_job(eligibility, tokens, upload.json()["id"])
    assert [row["status"] for row in job["rows"]] == ["accepted", "accepted"]
    for row in job["rows"]:
        response = await assess(eligibility, tokens, row["applicant_id"])
        assert response.status_code == 201, response.text

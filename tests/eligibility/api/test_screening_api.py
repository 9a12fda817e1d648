"""Screening: fails closed, hits block approval until cleared or validly waived, lists re-screen everyone."""

from __future__ import annotations

from shared.auth import CallerKind
from tests.eligibility.api.helpers import (
    UNRELATED_PERSON,
    approve,
    as_officer,
    assess,
    install_default_policy,
    load_list,
    ofac_list,
    register,
    wait_for_rescreening,
)
from tests.harness import Harness, Tokens

LISTED_AS_PETROV = ("Ivan Sergeyevich", "PETROV", "1 Apr 1999")


async def test_without_any_list_screening_fails_closed_and_blocks_approval(
    eligibility: Harness, tokens: Tokens
) -> None:
    await install_default_policy(eligibility, tokens)
    applicant = await register(eligibility, tokens, category="skilled_professional")
    assert applicant["screening_status"] == "unavailable"
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    blocked = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert blocked.status_code == 409
    assert "no sanctions list is loaded" in blocked.json()["detail"]


async def test_loading_a_list_screens_earlier_applicants_again(eligibility: Harness, tokens: Tokens) -> None:
    applicant = await register(eligibility, tokens)
    assert applicant["screening_status"] == "unavailable"
    loaded = await load_list(eligibility, tokens, LISTED_AS_PETROV)
    assert loaded["rescreened_applicants"] == 1
    read = await eligibility.client.get(f"/v1/applicants/{applicant['id']}", headers=as_officer(tokens))
    assert read.json()["screening_status"] == "hits"
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    read = await eligibility.client.get(f"/v1/applicants/{applicant['id']}", headers=as_officer(tokens))
    assert read.json()["screening_status"] == "clear"


async def test_a_hit_blocks_approval_until_a_reviewer_clears_it(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, LISTED_AS_PETROV)
    applicant = await register(eligibility, tokens, category="skilled_professional")
    hits = (
        await eligibility.client.get(f"/v1/applicants/{applicant['id']}/screening-hits", headers=as_officer(tokens))
    ).json()
    assert len(hits) == 1
    assert hits[0]["score"] > 0
    assert hits[0]["explanation"]
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    blocked = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert blocked.status_code == 409
    assert "awaits review" in blocked.json()["detail"]
    cleared = await eligibility.client.post(
        f"/v1/screening-hits/{hits[0]['id']}/clearance", headers=as_officer(tokens, "DE", "reviewer")
    )
    assert cleared.json()["status"] == "cleared"
    assert (await approve(eligibility, tokens, assessment["id"], "approver-1")).status_code == 200


async def test_a_waiver_needs_another_approver_and_must_cover_the_amount(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, LISTED_AS_PETROV)
    applicant = await register(eligibility, tokens)
    (hit,) = (
        await eligibility.client.get(f"/v1/applicants/{applicant['id']}/screening-hits", headers=as_officer(tokens))
    ).json()
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()

    async def waive(cap: int, valid_until: str) -> None:
        waiver = await eligibility.client.post(
            f"/v1/screening-hits/{hit['id']}/waivers",
            json={"legal_basis": "General licence 8", "cap_minor": cap, "currency": "USD", "valid_until": valid_until},
            headers=as_officer(tokens, "DE", "requester"),
        )
        assert waiver.status_code == 201, waiver.text
        own = await eligibility.client.post(
            f"/v1/waivers/{waiver.json()['id']}/approval", headers=as_officer(tokens, "DE", "requester")
        )
        assert own.status_code == 403
        other = await eligibility.client.post(
            f"/v1/waivers/{waiver.json()['id']}/approval", headers=as_officer(tokens, "DE", "legal")
        )
        assert other.json()["status"] == "approved"

    await waive(5_000_000, "2099-12-31")
    blocked = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert blocked.status_code == 409
    assert "no valid waiver covers" in blocked.json()["detail"]
    await waive(10_000_000, "2020-01-01")
    expired = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert expired.status_code == 409
    await waive(10_000_000, "2099-12-31")
    assert (await approve(eligibility, tokens, assessment["id"], "approver-1")).status_code == 200


async def test_a_list_without_any_person_clears_nobody(eligibility: Harness, tokens: Tokens) -> None:
    organisations_only = ofac_list(("", "ACME DEFENCE", "1 Jan 1990")).replace(b"Individual", b"Entity")
    headers = {**tokens.headers("platform", CallerKind.operator, "sanctions:write"), "Content-Type": "application/xml"}
    loaded = await eligibility.client.post("/v1/sanctions-lists/ofac_sdn", content=organisations_only, headers=headers)
    assert loaded.status_code == 202, loaded.text
    await wait_for_rescreening(eligibility, tokens, loaded.json()["rescreening_job_id"])
    applicant = await register(eligibility, tokens)
    assert applicant["screening_status"] == "unavailable"

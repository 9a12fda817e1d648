"""Every amount eligibility takes has a documented limit, checked before it reaches the database."""

from __future__ import annotations

import copy

from shared.money import MAX_AMOUNT_MINOR
from tests.eligibility.api.helpers import (
    as_officer,
    assess,
    default_policy,
    install_default_policy,
    load_list,
    register,
)
from tests.harness import Harness, Tokens


def _with_first_bounty(document: dict[str, object], **bounty: object) -> dict[str, object]:
    changed = copy.deepcopy(document)
    tier = next(t for t in changed["tiers"] if t["entitlements"].get("bounty"))  # type: ignore[attr-defined]
    tier["entitlements"]["bounty"].update(bounty)
    return changed


async def test_a_policy_bounty_beyond_the_limit_is_refused_on_upload(eligibility: Harness, tokens: Tokens) -> None:
    document = await default_policy(eligibility, tokens)
    for amount in (10**30, MAX_AMOUNT_MINOR + 1):
        response = await eligibility.client.post(
            "/v1/policies", json=_with_first_bounty(document, amount=amount), headers=as_officer(tokens)
        )
        assert response.status_code == 422, response.text
        assert str(MAX_AMOUNT_MINOR) in response.text
    listed = await eligibility.client.get("/v1/policies", headers=as_officer(tokens))
    assert listed.json()["items"] == []


async def test_a_stipend_whose_whole_plan_passes_the_limit_is_refused(eligibility: Harness, tokens: Tokens) -> None:
    document = copy.deepcopy(await default_policy(eligibility, tokens))
    tier = next(t for t in document["tiers"] if t["entitlements"].get("stipend"))
    tier["entitlements"]["stipend"].update(monthly_amount=MAX_AMOUNT_MINOR, months=2)
    response = await eligibility.client.post("/v1/policies", json=document, headers=as_officer(tokens))
    assert response.status_code == 422, response.text
    assert "monthly_amount x months" in response.text


async def test_a_waiver_cap_must_be_a_bounded_json_integer(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens)
    await load_list(eligibility, tokens, ("Ivan Sergeyevich", "PETROV", "1 Apr 1999"))
    applicant = await register(eligibility, tokens)
    await assess(eligibility, tokens, applicant["id"])
    (hit,) = (
        await eligibility.client.get(f"/v1/applicants/{applicant['id']}/screening-hits", headers=as_officer(tokens))
    ).json()
    url = f"/v1/screening-hits/{hit['id']}/waivers"
    body = {"legal_basis": "Licence 8", "currency": "USD", "valid_until": "2099-12-31"}
    for cap in (10**30, 2**63, MAX_AMOUNT_MINOR + 1, "100", True, 1.5):
        response = await eligibility.client.post(url, json={**body, "cap_minor": cap}, headers=as_officer(tokens))
        assert response.status_code == 422, (cap, response.text)
    accepted = await eligibility.client.post(
        url, json={**body, "cap_minor": MAX_AMOUNT_MINOR}, headers=as_officer(tokens, subject="requester")
    )
    assert accepted.status_code == 201, accepted.text

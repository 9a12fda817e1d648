"""Policies over the API: validated uploads, versions, effective dates, and old assessments left alone."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.eligibility.api.helpers import (
    as_officer,
    assess,
    default_policy,
    install_default_policy,
    register,
    upload_policy,
)
from tests.harness import Harness, Tokens


async def test_a_policy_is_uploaded_listed_and_read_by_version(eligibility: Harness, tokens: Tokens) -> None:
    document = await default_policy(eligibility, tokens)
    created = await upload_policy(eligibility, tokens, document)
    assert created.status_code == 201, created.text
    assert created.json()["tiers"][0] == "family_member"
    listed = await eligibility.client.get("/v1/policies", headers=as_officer(tokens))
    assert [p["version"] for p in listed.json()["items"]] == [1]
    read = await eligibility.client.get("/v1/policies/1", headers=as_officer(tokens))
    assert read.json()["document"]["tiers"] == created.json()["document"]["tiers"]


async def test_a_json_policy_is_accepted_too(eligibility: Harness, tokens: Tokens) -> None:
    document = await default_policy(eligibility, tokens)
    headers = {**as_officer(tokens), "Content-Type": "application/json"}
    response = await eligibility.client.post("/v1/policies", content=json.dumps(document), headers=headers)
    assert response.status_code == 201, response.text


async def test_a_policy_leaving_an_applicant_without_outcome_is_rejected_on_upload(
    eligibility: Harness, tokens: Tokens
) -> None:
    document = await default_policy(eligibility, tokens)
    document["tiers"] = [t for t in document["tiers"] if t["id"] != "skilled_professional"]
    response = await upload_policy(eligibility, tokens, document)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "category is skilled_professional" in problem["detail"]
    assert problem["invalid_params"][0]["reason"].startswith("no tier applies")
    listed = await eligibility.client.get("/v1/policies", headers=as_officer(tokens))
    assert listed.json()["items"] == []


async def test_a_policy_must_name_the_uploading_partner_and_a_newer_version(
    eligibility: Harness, tokens: Tokens
) -> None:
    document = await default_policy(eligibility, tokens)
    assert (await upload_policy(eligibility, tokens, {**document, "partner": "PL"})).status_code == 422
    assert (await upload_policy(eligibility, tokens, document)).status_code == 201
    again = await upload_policy(eligibility, tokens, document)
    assert again.status_code == 409
    assert "upload it as version 2" in again.json()["detail"]


async def test_versions_are_counted_per_partner(eligibility: Harness, tokens: Tokens) -> None:
    await install_default_policy(eligibility, tokens, "DE")
    await install_default_policy(eligibility, tokens, "PL")
    assert (await eligibility.client.get("/v1/policies/1", headers=as_officer(tokens, "PL"))).status_code == 200


def _with_bounty(document: dict[str, Any], amount: int, version: int, effective_from: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed.update(version=version, effective_from=effective_from)
    deserter = next(t for t in changed["tiers"] if t["id"] == "deserter")
    deserter["entitlements"]["bounty"]["amount"] = amount
    return changed


async def test_a_new_version_never_changes_an_assessment_made_under_an_older_one(
    eligibility: Harness, tokens: Tokens
) -> None:
    document = await default_policy(eligibility, tokens)
    assert (await upload_policy(eligibility, tokens, document)).status_code == 201
    applicant = await register(eligibility, tokens)
    old = (await assess(eligibility, tokens, applicant["id"], assessment_date="2026-11-26")).json()
    newer = _with_bounty(document, 12_000_000, 2, "2026-12-01")
    assert (await upload_policy(eligibility, tokens, newer)).status_code == 201
    reread = (await eligibility.client.get(f"/v1/assessments/{old['id']}", headers=as_officer(tokens))).json()
    assert (reread["policy_version"], reread["entitlements"]) == (1, old["entitlements"])
    before = (await assess(eligibility, tokens, applicant["id"], assessment_date="2026-11-30")).json()
    after = (await assess(eligibility, tokens, applicant["id"], assessment_date="2026-12-01")).json()
    assert (before["policy_version"], before["entitlements"]["bounty"]["amount"]) == (1, 10_000_000)
    assert (after["policy_version"], after["entitlements"]["bounty"]["amount"]) == (2, 12_000_000)


async def test_no_policy_in_force_answers_a_conflict_saying_what_to_do(eligibility: Harness, tokens: Tokens) -> None:
    applicant = await register(eligibility, tokens)
    response = await assess(eligibility, tokens, applicant["id"])
    assert response.status_code == 409
    assert "/v1/policies/default" in response.json()["detail"]

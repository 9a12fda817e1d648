"""An applicant submits with a one-time token, without an account; the token works once."""

from __future__ import annotations

import hashlib

from tests.harness import Harness, Tokens
from tests.testimony.api.factories import officer


async def issue_token(h: Harness, tokens: Tokens, org: str = "DE") -> str:
    response = await h.client.post(
        "/v1/submission-tokens", json={"applicant_id": "app-7"}, headers=officer(tokens, org)
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


async def test_an_applicant_submits_with_a_token_that_then_stops_working(testimony: Harness, tokens: Tokens) -> None:
    token = await issue_token(testimony, tokens)
    body = {"token": token, "language": "ru", "text": "Я видел это сам.", "family_member_refs": ["son-1"]}
    submitted = await testimony.client.post("/public/submissions", json=body)
    assert submitted.status_code == 201, submitted.text
    receipt = submitted.json()
    assert receipt["text_sha256"] == hashlib.sha256("Я видел это сам.".encode()).hexdigest()
    again = await testimony.client.post("/public/submissions", json=body)
    assert again.status_code == 401

    seen = await testimony.client.get(f"/v1/testimonies/{receipt['testimony_id']}", headers=officer(tokens))
    assert seen.json()["submitted_via"] == "applicant"
    assert seen.json()["family_member_refs"] == ["son-1"]
    other = await testimony.client.get(f"/v1/testimonies/{receipt['testimony_id']}", headers=officer(tokens, "PL"))
    assert other.status_code == 404


async def test_an_unknown_submission_token_is_refused(testimony: Harness) -> None:
    body = {"token": "sub_" + "a" * 43, "language": "ru", "text": "x"}
    response = await testimony.client.post("/public/submissions", json=body)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"

"""A retried registration is safe: the optional Idempotency-Key of every creating call, seen on applicants."""

from __future__ import annotations

import asyncio

from tests.eligibility.api.helpers import applicant_body, as_officer
from tests.harness import Harness, Tokens


async def _applicant_count(h: Harness, tokens: Tokens) -> int:
    listed = await h.client.get("/v1/applicants", headers=as_officer(tokens))
    return len(listed.json()["items"])


async def test_a_registration_retried_with_its_key_replays_and_registers_one_applicant(
    eligibility: Harness, tokens: Tokens
) -> None:
    headers = {**as_officer(tokens), "Idempotency-Key": "intake-0001"}
    first = await eligibility.client.post("/v1/applicants", json=applicant_body(), headers=headers)
    again = await eligibility.client.post("/v1/applicants", json=applicant_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _applicant_count(eligibility, tokens) == 1


async def test_a_key_reused_for_another_registration_is_refused_and_registers_nothing(
    eligibility: Harness, tokens: Tokens
) -> None:
    headers = {**as_officer(tokens), "Idempotency-Key": "intake-0002"}
    await eligibility.client.post("/v1/applicants", json=applicant_body(), headers=headers)
    other = await eligibility.client.post(
        "/v1/applicants", json=applicant_body(birth_date="1990-01-01"), headers=headers
    )
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert await _applicant_count(eligibility, tokens) == 1


async def test_without_a_key_each_registration_is_its_own(eligibility: Harness, tokens: Tokens) -> None:
    for number in ("75 1234567", "75 7654321"):
        body = applicant_body(documents=[{"type": "passport", "issuing_country": "RU", "number": number}])
        created = await eligibility.client.post("/v1/applicants", json=body, headers=as_officer(tokens))
        assert created.status_code == 201
    assert await _applicant_count(eligibility, tokens) == 2


async def test_a_failed_registration_is_not_remembered(eligibility: Harness, tokens: Tokens) -> None:
    headers = {**as_officer(tokens), "Idempotency-Key": "intake-0003"}
    refused = await eligibility.client.post(
        "/v1/applicants", json=applicant_body(citizenship="Russia"), headers=headers
    )
    assert refused.status_code == 422
    fixed = await eligibility.client.post("/v1/applicants", json=applicant_body(citizenship="Russia"), headers=headers)
    assert fixed.status_code == 422
    assert "different request" not in fixed.json()["detail"]
    assert await _applicant_count(eligibility, tokens) == 0


async def test_keys_are_the_callers_own(eligibility: Harness, tokens: Tokens) -> None:
    for org in ("DE", "PL"):
        headers = {**as_officer(tokens, org), "Idempotency-Key": "same-key"}
        created = await eligibility.client.post("/v1/applicants", json=applicant_body(), headers=headers)
        assert created.status_code == 201
        assert "idempotent-replayed" not in created.headers


async def test_twin_registrations_sent_at_once_register_one_applicant(eligibility: Harness, tokens: Tokens) -> None:
    headers = {**as_officer(tokens), "Idempotency-Key": "intake-twins"}
    answers = await asyncio.gather(
        *(eligibility.client.post("/v1/applicants", json=applicant_body(), headers=headers) for _ in range(3))
    )
    assert sorted(a.status_code for a in answers)[0] == 201
    assert {a.status_code for a in answers} <= {201, 409}
    assert await _applicant_count(eligibility, tokens) == 1

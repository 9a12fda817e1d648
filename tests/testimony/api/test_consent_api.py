"""Consent over the API: signed receipts, a verifiable hash chain, token rotation, clear refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.testimony.consent.chain import ConsentEvent, serialize_event
from services.testimony.consent.domain import ConsentEventKind, ConsentMethod, ConsentTerms, Purpose, PurposeConditions
from services.testimony.signing.keys import load_public_key
from services.testimony.signing.receipts import read_consent_receipt
from tests.harness import Harness, Tokens, backend
from tests.testimony.api.factories import give_consent, in_hours, officer, submit, terms


async def test_every_consent_change_gets_a_receipt_signed_by_the_published_key(
    testimony: Harness, tokens: Tokens
) -> None:
    t = await submit(testimony, tokens)
    given = await give_consent(testimony, tokens, t["id"], expires_at=in_hours(10))
    base = f"/v1/testimonies/{t['id']}/consents/{given['record_id']}"
    renewed = await testimony.client.post(
        f"{base}/renewals", json={"terms": terms(expires_at=in_hours(100))}, headers=officer(tokens)
    )
    narrowed = await testimony.client.post(
        f"{base}/narrowings", json={"terms": terms(expires_at=in_hours(50))}, headers=officer(tokens)
    )
    withdrawn = await testimony.client.post(f"{base}/withdrawals", headers=officer(tokens))
    key = load_public_key((await testimony.client.get("/.well-known/carrots-testimony-key.pem")).content)
    changes = [given, renewed.json(), narrowed.json(), withdrawn.json()]
    assert [read_consent_receipt(c["receipt"], key)["event"] for c in changes] == [
        "given",
        "renewed",
        "narrowed",
        "withdrawn",
    ]
    history = (await testimony.client.get(f"/v1/testimonies/{t['id']}/consents", headers=officer(tokens))).json()
    [record] = history
    assert record["chain_intact"] is True
    assert record["active"] is False
    assert [e["consent_version"] for e in record["events"]] == [c["consent_version"] for c in changes]


async def test_giving_again_after_withdrawal_issues_a_new_token_and_retires_the_old(
    testimony: Harness, tokens: Tokens
) -> None:
    t = await submit(testimony, tokens)
    first = await give_consent(testimony, tokens, t["id"])
    await testimony.client.post("/public/consent/withdrawals", json={"token": first["withdrawal_token"]})
    second = await give_consent(testimony, tokens, t["id"])
    assert second["record_id"] == first["record_id"]
    assert second["withdrawal_token"] != first["withdrawal_token"]
    old = await testimony.client.post("/public/consent/withdrawals", json={"token": first["withdrawal_token"]})
    assert old.status_code == 401
    new = await testimony.client.post("/public/consent/withdrawals", json={"token": second["withdrawal_token"]})
    assert new.status_code == 200


async def test_consent_cannot_be_given_twice_or_for_a_stranger(testimony: Harness, tokens: Tokens) -> None:
    t = await submit(testimony, tokens)
    await give_consent(testimony, tokens, t["id"])
    twice = await testimony.client.post(
        f"/v1/testimonies/{t['id']}/consents", json={"subject_ref": "author", "terms": terms()}, headers=officer(tokens)
    )
    assert twice.status_code == 409
    stranger = await testimony.client.post(
        f"/v1/testimonies/{t['id']}/consents",
        json={"subject_ref": "cousin-9", "terms": terms()},
        headers=officer(tokens),
    )
    assert stranger.status_code == 422


async def test_contradictory_terms_are_a_problem_document(testimony: Harness, tokens: Tokens) -> None:
    t = await submit(testimony, tokens)
    body = {"subject_ref": "author", "terms": terms(embargo_until=in_hours(10), expires_at=in_hours(5))}
    response = await testimony.client.post(f"/v1/testimonies/{t['id']}/consents", json=body, headers=officer(tokens))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "expires_at" in response.json()["detail"]
    naive = {"subject_ref": "author", "terms": terms(expires_at="2030-01-01T00:00:00")}
    response = await testimony.client.post(f"/v1/testimonies/{t['id']}/consents", json=naive, headers=officer(tokens))
    assert response.status_code == 422


async def test_an_edited_consent_event_is_caught(testimony: Harness, tokens: Tokens) -> None:
    t = await submit(testimony, tokens)
    given = await give_consent(testimony, tokens, t["id"])
    edit = text("UPDATE consent_events SET occurred_at = occurred_at, payload = :p WHERE record_id = :r")
    wider = ConsentTerms({Purpose.PRESS: PurposeConditions()}, "notice-forged", ConsentMethod.ELECTRONIC_FORM)
    forged = json.dumps(serialize_event(ConsentEvent(ConsentEventKind.GIVEN, datetime.now(UTC), wider)))
    async with testimony.app.state.engine.connect() as connection:
        if backend() == "postgresql":
            with pytest.raises(DBAPIError, match="append-only"):
                await connection.execute(edit, {"p": forged, "r": given["record_id"]})
            return
        await connection.execute(edit, {"p": forged, "r": given["record_id"]})
        await connection.commit()
    [record] = (await testimony.client.get(f"/v1/testimonies/{t['id']}/consents", headers=officer(tokens))).json()
    assert record["chain_intact"] is False
    refused = await testimony.client.post(
        f"/v1/testimonies/{t['id']}/consents/{given['record_id']}/withdrawals", headers=officer(tokens)
    )
    assert refused.status_code == 409
    assert "fails verification" in refused.json()["detail"]

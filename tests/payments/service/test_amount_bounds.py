"""Money stays exact on both databases: strict, bounded amounts, and sums that never overflow."""

from __future__ import annotations

from sqlalchemy import text

from shared.money import MAX_AMOUNT_MINOR, MAX_BALANCE_MINOR
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import balance_of, officer, open_funding, with_key


async def _contribute(payments: Harness, headers: dict[str, str], account_id: str, amount: object) -> int:
    body = {"funding_account_id": account_id, "amount_minor": amount, "reference": "budget"}
    response = await payments.client.post("/v1/contributions", json=body, headers=with_key(headers))
    return response.status_code


async def test_amounts_must_be_json_integers_within_the_limit(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=0)
    for amount in ("100", True, 100.0, 2**63, 2**63 - 1, 10**30, MAX_AMOUNT_MINOR + 1, 0, -5):
        assert await _contribute(payments, headers, funding["id"], amount) == 422, amount
    assert await balance_of(payments, headers, funding["id"]) == 0
    assert await _contribute(payments, headers, funding["id"], MAX_AMOUNT_MINOR) == 201
    assert await balance_of(payments, headers, funding["id"]) == MAX_AMOUNT_MINOR


async def test_a_sum_that_would_pass_the_balance_limit_is_refused_and_the_balance_stays_an_integer(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=MAX_AMOUNT_MINOR)
    # Reaching the limit honestly takes a thousand contributions; put the account just below it instead.
    near = MAX_BALANCE_MINOR - MAX_AMOUNT_MINOR // 2
    async with payments.app.state.engine.begin() as conn:
        await conn.execute(
            text("UPDATE accounts SET balance_minor = :b WHERE id = :id"), {"b": near, "id": funding["id"]}
        )
    refused = await payments.client.post(
        "/v1/contributions",
        json={"funding_account_id": funding["id"], "amount_minor": MAX_AMOUNT_MINOR, "reference": "budget"},
        headers=with_key(headers),
    )
    assert refused.status_code == 409, refused.text
    assert str(MAX_BALANCE_MINOR) in refused.json()["detail"]
    async with payments.app.state.engine.connect() as conn:
        stored = (
            await conn.execute(text("SELECT balance_minor FROM accounts WHERE id = :id"), {"id": funding["id"]})
        ).scalar_one()
        entries = (await conn.execute(text("SELECT count(*) FROM entries"))).scalar_one()
    assert type(stored) is int
    assert stored == near
    assert entries == 2
    assert await balance_of(payments, headers, funding["id"]) == near


async def test_release_due_takes_an_iso_date_not_a_number(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    for as_of in (20260220, 1771545600, True):
        response = await payments.client.post("/v1/obligations/release-due", json={"as_of": as_of}, headers=headers)
        assert response.status_code == 422, (as_of, response.text)
    response = await payments.client.post("/v1/obligations/release-due", json={"as_of": "2026-02-20"}, headers=headers)
    assert response.status_code == 200, response.text

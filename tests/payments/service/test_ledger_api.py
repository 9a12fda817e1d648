import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.harness import Harness, Tokens
from tests.payments.service.helpers import (
    balance_of,
    create_payout,
    due_obligation,
    execute,
    officer,
    open_funding,
    with_key,
)


async def accounts_by_kind(h: Harness, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    listing = await h.client.get("/v1/accounts", headers=headers)
    return {a["kind"]: a for a in listing.json()["items"]}


async def test_a_contribution_books_funding_against_programme_liability(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "RUB", 500_000_000)
    accounts = await accounts_by_kind(payments, headers)
    assert accounts["funding"]["balance_minor"] == 500_000_000
    assert accounts["programme_liability"]["balance_minor"] == -500_000_000
    assert accounts["funding"]["id"] == funding["id"]


async def test_a_contribution_replays_for_the_same_key_and_refuses_another_body(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 0)
    body = {"funding_account_id": funding["id"], "amount_minor": 1_000, "reference": "r1"}
    keyed = with_key(headers, "contribution-1")
    first = await payments.client.post("/v1/contributions", json=body, headers=keyed)
    again = await payments.client.post("/v1/contributions", json=body, headers=keyed)
    other = await payments.client.post("/v1/contributions", json={**body, "amount_minor": 2_000}, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 422
    assert await balance_of(payments, headers, funding["id"]) == 1_000


async def test_money_moving_calls_require_an_idempotency_key(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 0)
    body = {"funding_account_id": funding["id"], "amount_minor": 1_000, "reference": "r1"}
    response = await payments.client.post("/v1/contributions", json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/idempotency-key-missing")
    assert await balance_of(payments, headers, funding["id"]) == 0


async def test_accounts_in_unknown_currencies_are_refused(payments: Harness, tokens: Tokens) -> None:
    for currency in ("XXX", "RUR", "ABC"):
        response = await payments.client.post(
            "/v1/accounts", json={"currency": currency, "kind": "funding"}, headers=officer(tokens)
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_funding_account_with_an_invalid_iban_is_refused(payments: Harness, tokens: Tokens) -> None:
    body = {"currency": "EUR", "kind": "funding", "bank_iban": "DE89370400440532013001", "bank_holder": "T"}
    response = await payments.client.post("/v1/accounts", json=body, headers=officer(tokens))
    assert response.status_code == 422
    assert "IBAN" in response.json()["detail"]


async def test_contributions_go_only_into_funding_accounts(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    payable = await payments.client.post(
        "/v1/accounts", json={"currency": "USD", "kind": "beneficiary_payable"}, headers=headers
    )
    body = {"funding_account_id": payable.json()["id"], "amount_minor": 5, "reference": "x"}
    response = await payments.client.post("/v1/contributions", json=body, headers=with_key(headers))
    assert response.status_code == 422


async def test_a_reversal_mirrors_the_transfer_and_points_to_it_once(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "EUR", 0)
    body = {"funding_account_id": funding["id"], "amount_minor": 7_000, "reference": "typo"}
    contribution = (await payments.client.post("/v1/contributions", json=body, headers=with_key(headers))).json()
    transfer_id = contribution["transfer_id"]
    reversal = await payments.client.post(
        f"/v1/transfers/{transfer_id}/reversal", json={"reason": "wrong amount"}, headers=with_key(headers)
    )
    assert reversal.status_code == 201, reversal.text
    original = (await payments.client.get(f"/v1/transfers/{transfer_id}", headers=headers)).json()
    assert reversal.json()["reverses_transfer_id"] == transfer_id
    mirrored = sorted((e["account_id"], -e["amount_minor"]) for e in original["entries"])
    assert sorted((e["account_id"], e["amount_minor"]) for e in reversal.json()["entries"]) == mirrored
    assert await balance_of(payments, headers, funding["id"]) == 0
    again = await payments.client.post(
        f"/v1/transfers/{transfer_id}/reversal", json={"reason": "twice"}, headers=with_key(headers)
    )
    assert again.status_code == 409


async def test_other_partners_accounts_and_transfers_answer_404(payments: Harness, tokens: Tokens) -> None:
    funding = await open_funding(payments, officer(tokens, "DE"), "USD", 100)
    other = officer(tokens, "FR")
    assert (await payments.client.get(f"/v1/accounts/{funding['id']}", headers=other)).status_code == 404
    body = {"funding_account_id": funding["id"], "amount_minor": 5, "reference": "x"}
    response = await payments.client.post("/v1/contributions", json=body, headers=with_key(other))
    assert response.status_code == 404


@pytest.mark.postgres_only
async def test_postgresql_refuses_updates_and_deletes_of_entries(payments: Harness, tokens: Tokens) -> None:
    await open_funding(payments, officer(tokens), "USD", 100)
    async with payments.app.state.engine.connect() as conn:
        for statement in (
            "UPDATE entries SET amount_minor = 1",
            "DELETE FROM entries",
            "UPDATE transfers SET memo = 'x'",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with conn.begin():
                    await conn.execute(text(statement))


@pytest.mark.postgres_only
async def test_postgresql_refuses_an_unbalanced_transfer_at_commit(payments: Harness, tokens: Tokens) -> None:
    funding = await open_funding(payments, officer(tokens), "USD", 100)
    with pytest.raises(DBAPIError, match="unbalanced"):
        await insert_unbalanced_transfer(payments, funding["id"])


@pytest.mark.postgres_only
async def test_postgresql_refuses_a_transfer_of_one_entry_and_one_of_two_currencies_at_commit(
    payments: Harness, tokens: Tokens
) -> None:
    usd = await open_funding(payments, officer(tokens), "USD", 100)
    eur = await open_funding(payments, officer(tokens), "EUR", 100)
    with pytest.raises(DBAPIError, match="fewer than two entries"):
        await insert_transfer(payments, [(usd["id"], "USD", 500)])
    # Zero in total, but not per currency.
    with pytest.raises(DBAPIError, match="unbalanced"):
        await insert_transfer(payments, [(usd["id"], "USD", 500), (eur["id"], "EUR", -500)])
    await insert_transfer(payments, [(usd["id"], "USD", 500), (usd["id"], "USD", -200), (usd["id"], "USD", -300)])


async def insert_transfer(payments: Harness, legs: list[tuple[str, str, int]]) -> None:
    async with payments.app.state.engine.begin() as conn:
        transfer_id = str(uuid.uuid4())
        await conn.execute(
            text(
                "INSERT INTO transfers (id, partner_id, kind, memo, created_by, created_at) "
                "VALUES (:id, 'DE', 'contribution', 'forged', 'x', now())"
            ),
            {"id": transfer_id},
        )
        for n, (account, currency, amount) in enumerate(legs):
            await conn.execute(
                text(
                    "INSERT INTO entries (id, partner_id, transfer_id, transfer_kind, account_id, currency,"
                    " amount_minor, seq, prev_hash, hash, created_at) VALUES (:id, 'DE', :transfer,"
                    " 'contribution', :account, :currency, :amount, :seq, 'x', 'y', now())"
                ),
                {
                    "id": str(uuid.uuid4()),
                    "transfer": transfer_id,
                    "account": account,
                    "currency": currency,
                    "amount": amount,
                    "seq": 2000 + n + 10 * len(legs),
                },
            )


async def insert_unbalanced_transfer(payments: Harness, account_id: str) -> None:
    async with payments.app.state.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO transfers (id, partner_id, kind, memo, created_by, created_at) "
                "VALUES ('t-forged', 'DE', 'contribution', 'forged', 'x', now())"
            )
        )
        for n, amount in enumerate((500, -400)):
            await conn.execute(
                text(
                    "INSERT INTO entries (id, partner_id, transfer_id, transfer_kind, account_id, currency,"
                    " amount_minor, seq, prev_hash, hash, created_at) VALUES (:id, 'DE', 't-forged',"
                    " 'contribution', :account, 'USD', :amount, :seq, 'x', 'y', now())"
                ),
                {"id": f"e-forged-{n}", "account": account_id, "amount": amount, "seq": 1000 + n},
            )


async def test_the_database_refuses_to_overdraw_a_funding_account(payments: Harness, tokens: Tokens) -> None:
    funding = await open_funding(payments, officer(tokens), "USD", 100)
    async with payments.app.state.engine.connect() as conn:
        with pytest.raises(DBAPIError):
            async with conn.begin():
                await conn.execute(text("UPDATE accounts SET balance_minor = -1 WHERE id = :id"), {"id": funding["id"]})


async def test_reversing_a_contribution_that_was_already_spent_is_refused(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 0)
    body = {"funding_account_id": funding["id"], "amount_minor": 1_000, "reference": "c"}
    contribution = (await payments.client.post("/v1/contributions", json=body, headers=with_key(headers))).json()
    obligation = await due_obligation(payments, headers, amount_minor=600)
    payout = (await create_payout(payments, headers, obligation["id"], funding["id"])).json()
    assert (await execute(payments, headers, payout["id"])).status_code == 200
    response = await payments.client.post(
        f"/v1/transfers/{contribution['transfer_id']}/reversal", json={"reason": "refund"}, headers=with_key(headers)
    )
    assert response.status_code == 409
    assert await balance_of(payments, headers, funding["id"]) == 400

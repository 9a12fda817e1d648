from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.harness import Harness, Tokens
from tests.payments.service.helpers import (
    approve_applicant,
    balance_of,
    create_payout,
    due_obligation,
    execute,
    obligations_of,
    officer,
    open_funding,
    register_bank_account,
)


async def test_a_payout_needs_an_idempotency_key(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    body = {"obligation_id": obligation["id"], "funding_account_id": funding["id"]}
    response = await payments.client.post("/v1/payouts", json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/idempotency-key-missing")
    assert (await payments.client.get("/v1/payouts", headers=headers)).json()["items"] == []


async def test_a_waiting_obligation_cannot_be_paid(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    await approve_applicant(payments, applicant_id="app-w")
    await register_bank_account(payments, headers, "app-w")
    waiting = (await obligations_of(payments, headers, "app-w"))[0]
    response = await create_payout(payments, headers, waiting["id"], funding["id"])
    assert response.status_code == 409
    assert "waits" in response.json()["detail"]


async def test_a_payout_needs_the_beneficiarys_bank_account(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    await approve_applicant(payments, applicant_id="app-nb", tranches=[(100, "approval")])
    (obligation,) = await obligations_of(payments, headers, "app-nb")
    response = await create_payout(payments, headers, obligation["id"], funding["id"])
    assert response.status_code == 422


async def test_invalid_beneficiary_ibans_are_refused(payments: Harness, tokens: Tokens) -> None:
    response = await payments.client.put(
        "/v1/beneficiaries/app-x/bank-account",
        json={"iban": "GB82WEST12345698765433", "holder": "X"},
        headers=officer(tokens),
    )
    assert response.status_code == 422


async def test_bank_details_are_stored_encrypted_and_never_shown_in_full(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    await register_bank_account(payments, headers, "app-enc")
    async with payments.app.state.engine.connect() as conn:
        row = (await conn.execute(text("SELECT iban_encrypted, holder_encrypted FROM bank_accounts"))).one()
    assert "GB82WEST" not in row.iban_encrypted
    assert "Beneficiary" not in row.holder_encrypted


async def test_a_small_payout_executes_without_approvals_and_posts_the_transfer(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=100_000)
    obligation = await due_obligation(payments, headers, amount_minor=40_000)
    payout = (await create_payout(payments, headers, obligation["id"], funding["id"])).json()
    assert (payout["status"], payout["required_approvals"]) == ("approved", 0)
    executed = await execute(payments, headers, payout["id"])
    assert executed.status_code == 200, executed.text
    assert executed.json()["status"] == "executed"
    assert await balance_of(payments, headers, funding["id"]) == 60_000
    transfer = (await payments.client.get(f"/v1/transfers/{executed.json()['transfer_id']}", headers=headers)).json()
    assert sorted(e["amount_minor"] for e in transfer["entries"]) == [-40_000, 40_000]
    (paid,) = await obligations_of(payments, headers, obligation["applicant_id"])
    assert paid["status"] == "paid"


async def test_large_payouts_need_distinct_approvers_other_than_the_creator(payments: Harness, tokens: Tokens) -> None:
    creator = officer(tokens, subject="officer-1")
    funding = await open_funding(payments, creator, amount_minor=10_000_000)
    obligation = await due_obligation(payments, creator, amount_minor=6_000_000)
    payout = (await create_payout(payments, creator, obligation["id"], funding["id"])).json()
    assert (payout["status"], payout["required_approvals"]) == ("pending_approval", 2)
    assert (await execute(payments, creator, payout["id"])).status_code == 409
    approve = f"/v1/payouts/{payout['id']}/approvals"
    # Maker-checker: the creator's own approval is forbidden (403), like every self-approval.
    assert (await payments.client.post(approve, headers=creator)).status_code == 403
    second = officer(tokens, subject="officer-2")
    assert (await payments.client.post(approve, headers=second)).json()["status"] == "pending_approval"
    assert (await payments.client.post(approve, headers=second)).status_code == 409
    third = await payments.client.post(approve, headers=officer(tokens, subject="officer-3"))
    assert third.json()["status"] == "approved"
    assert third.json()["approvals"] == ["officer-2", "officer-3"]
    assert (await execute(payments, creator, payout["id"])).status_code == 200


async def test_listed_payouts_carry_each_their_own_approvers(payments: Harness, tokens: Tokens) -> None:
    creator = officer(tokens, subject="officer-1")
    funding = await open_funding(payments, creator, amount_minor=100_000_000)
    payouts = []
    for amount_minor in (6_000_000, 2_000_000, 50_000):
        obligation = await due_obligation(payments, creator, amount_minor)
        payouts.append((await create_payout(payments, creator, obligation["id"], funding["id"])).json())
    large, other, small = payouts
    for subject, payout in [("officer-3", large), ("officer-2", large), ("officer-4", other)]:
        response = await payments.client.post(
            f"/v1/payouts/{payout['id']}/approvals", headers=officer(tokens, subject=subject)
        )
        assert response.status_code == 200, response.text
    listed = (await payments.client.get("/v1/payouts", headers=creator)).json()["items"]
    approvals = {item["id"]: item["approvals"] for item in listed}
    assert approvals == {large["id"]: ["officer-2", "officer-3"], other["id"]: ["officer-4"], small["id"]: []}
    for item in listed:
        single = (await payments.client.get(f"/v1/payouts/{item['id']}", headers=creator)).json()
        assert single == item


async def test_an_obligation_gets_one_payout_and_one_execution(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    first = await create_payout(payments, headers, obligation["id"], funding["id"], key="k-1")
    assert (await create_payout(payments, headers, obligation["id"], funding["id"], key="k-2")).status_code == 409
    replay = await create_payout(payments, headers, obligation["id"], funding["id"], key="k-1")
    assert replay.json() == first.json()
    payout_id = first.json()["id"]
    done = await execute(payments, headers, payout_id, key="x-1")
    assert (await execute(payments, headers, payout_id, key="x-1")).json() == done.json()
    assert (await execute(payments, headers, payout_id, key="x-2")).status_code == 409
    assert (await create_payout(payments, headers, obligation["id"], funding["id"], key="k-3")).status_code == 409
    assert await balance_of(payments, headers, funding["id"]) == 10_000_000 - obligation["amount_minor"]


async def test_the_database_allows_one_active_payout_per_obligation(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers)
    obligation = await due_obligation(payments, headers)
    payout = (await create_payout(payments, headers, obligation["id"], funding["id"])).json()
    copy = (
        "INSERT INTO payouts (id, partner_id, obligation_id, applicant_id, funding_account_id, currency, amount_minor,"
        " status, required_approvals, created_by, end_to_end_id, created_at) SELECT 'p-copy', partner_id,"
        " obligation_id, applicant_id, funding_account_id, currency, amount_minor, 'approved', 0, 'x', 'e2e-copy',"
        " created_at FROM payouts WHERE id = :id"
    )
    with pytest.raises(IntegrityError, match=r"uq_payouts_active_obligation|UNIQUE"):
        async with payments.app.state.engine.begin() as conn:
            await conn.execute(text(copy), {"id": payout["id"]})


async def test_a_payout_that_would_overdraw_funding_is_refused_and_leaves_nothing(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, amount_minor=10_000)
    obligation = await due_obligation(payments, headers, amount_minor=10_001)
    payout = (await create_payout(payments, headers, obligation["id"], funding["id"])).json()
    response = await execute(payments, headers, payout["id"])
    assert response.status_code == 409
    assert await balance_of(payments, headers, funding["id"]) == 10_000
    assert (await payments.client.get(f"/v1/payouts/{payout['id']}", headers=headers)).json()["status"] == "approved"
    (still_due,) = await obligations_of(payments, headers, obligation["applicant_id"])
    assert still_due["status"] == "due"


async def test_a_payout_in_another_currency_goes_through_fx_accounts(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    await approve_applicant(payments, applicant_id="app-fx", currency="EUR", tranches=[(10_001, "approval")])
    await register_bank_account(payments, headers, "app-fx")
    (obligation,) = await obligations_of(payments, headers, "app-fx")
    no_rate = await create_payout(payments, headers, obligation["id"], funding["id"])
    assert no_rate.status_code == 422
    fx = {"rate": "0.92", "source": "ECB reference rate", "observed_at": datetime(2026, 11, 2, tzinfo=UTC).isoformat()}
    payout = (await create_payout(payments, headers, obligation["id"], funding["id"], fx=fx)).json()
    # 100.01 EUR / 0.92 = 108.7065... USD: 108.71 USD debited, the exact residue kept as a decimal.
    assert payout["fx_debit_minor"] == 10_871
    exact_residue = Fraction(10_871) - Fraction(10_001) / Fraction("0.92")
    assert abs(Fraction(Decimal(payout["fx_residue_minor"])) - exact_residue) < Fraction(1, 10**40)
    executed = (await execute(payments, headers, payout["id"])).json()
    transfer = (await payments.client.get(f"/v1/transfers/{executed['transfer_id']}", headers=headers)).json()
    per_currency: dict[str, int] = {}
    for entry in transfer["entries"]:
        per_currency[entry["currency"]] = per_currency.get(entry["currency"], 0) + entry["amount_minor"]
    assert per_currency == {"USD": 0, "EUR": 0}
    assert await balance_of(payments, headers, funding["id"]) == 1_000_000 - 10_871

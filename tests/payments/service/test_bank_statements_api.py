"""camt.053 imports: only an entry that matches its payout moves it, and only once."""

from typing import Any

import pytest

from tests.harness import Harness, Tokens
from tests.payments.service.helpers import balance_of, camt053, officer, open_funding, paid_out, set_bank_profile

# Each rule holds for both statement versions a partner's bank may send.
VERSIONS = pytest.mark.parametrize("camt", ["camt.053.001.02", "camt.053.001.08"])

XML = {"Content-Type": "application/xml"}


async def import_statement(payments: Harness, headers: dict[str, str], statement: bytes) -> dict[str, Any]:
    response = await payments.client.post("/v1/bank-statements", content=statement, headers={**headers, **XML})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def status_of(payments: Harness, headers: dict[str, str], payout_id: str) -> str:
    return str((await payments.client.get(f"/v1/payouts/{payout_id}", headers=headers)).json()["status"])


@pytest.mark.anyio
@VERSIONS
async def test_an_entry_whose_amount_differs_from_the_payout_neither_settles_nor_returns_it(
    payments: Harness, tokens: Tokens, camt: str
) -> None:
    headers = officer(tokens)
    await set_bank_profile(payments, headers, statement=camt)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    debited = await paid_out(payments, headers, funding["id"], "app-s1")
    credited = await paid_out(payments, headers, funding["id"], "app-s2")
    balance = await balance_of(payments, headers, funding["id"])
    result = await import_statement(
        payments,
        headers,
        camt053(
            [(debited["end_to_end_id"], "750.01", "DBIT"), (credited["end_to_end_id"], "7500.00", "CRDT")], version=camt
        ),
    )
    assert result == {
        "settled": [],
        "returned": [],
        "unknown": [],
        "mismatched": [debited["end_to_end_id"], credited["end_to_end_id"]],
        "unchanged": [],
    }
    assert [await status_of(payments, headers, p["id"]) for p in (debited, credited)] == ["executed", "executed"]
    assert await balance_of(payments, headers, funding["id"]) == balance


@pytest.mark.anyio
@VERSIONS
async def test_an_entry_in_another_currency_neither_settles_nor_returns_the_payout(
    payments: Harness, tokens: Tokens, camt: str
) -> None:
    headers = officer(tokens)
    await set_bank_profile(payments, headers, statement=camt)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    payout = await paid_out(payments, headers, funding["id"], "app-s3")
    for direction in ("DBIT", "CRDT"):
        result = await import_statement(
            payments, headers, camt053([(payout["end_to_end_id"], "750.00", direction)], currency="EUR", version=camt)
        )
        assert (result["mismatched"], result["settled"], result["returned"]) == ([payout["end_to_end_id"]], [], [])
    assert await status_of(payments, headers, payout["id"]) == "executed"


@pytest.mark.anyio
@VERSIONS
async def test_a_payout_already_settled_is_reported_unchanged_not_settled_again(
    payments: Harness, tokens: Tokens, camt: str
) -> None:
    headers = officer(tokens)
    await set_bank_profile(payments, headers, statement=camt)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    payout = await paid_out(payments, headers, funding["id"], "app-s4")
    e2e = payout["end_to_end_id"]
    first = await import_statement(payments, headers, camt053([(e2e, "750.00", "DBIT")], version=camt))
    assert (first["settled"], first["unchanged"]) == ([e2e], [])
    # The same booking on the next day's statement, or twice in one statement, changes nothing.
    second = await import_statement(
        payments, headers, camt053([(e2e, "750.00", "DBIT"), (e2e, "750.00", "DBIT")], version=camt)
    )
    assert (second["settled"], second["unchanged"]) == ([], [e2e, e2e])
    assert await status_of(payments, headers, payout["id"]) == "settled"


@pytest.mark.anyio
@VERSIONS
async def test_a_payout_already_returned_is_reported_unchanged_and_reversed_only_once(
    payments: Harness, tokens: Tokens, camt: str
) -> None:
    headers = officer(tokens)
    await set_bank_profile(payments, headers, statement=camt)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    payout = await paid_out(payments, headers, funding["id"], "app-s5")
    e2e = payout["end_to_end_id"]
    first = await import_statement(payments, headers, camt053([(e2e, "750.00", "CRDT")], version=camt))
    assert (first["returned"], first["unchanged"]) == ([e2e], [])
    balance = await balance_of(payments, headers, funding["id"])
    second = await import_statement(
        payments, headers, camt053([(e2e, "750.00", "CRDT"), (e2e, "750.00", "DBIT")], version=camt)
    )
    assert (second["returned"], second["settled"], second["unchanged"]) == ([], [], [e2e, e2e])
    assert await status_of(payments, headers, payout["id"]) == "returned"
    assert await balance_of(payments, headers, funding["id"]) == balance

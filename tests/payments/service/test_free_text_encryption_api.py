"""What people write into the ledger, and a funding account's holder, are stored only as ciphertexts."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.harness import Harness, Tokens
from tests.payments.service.helpers import officer, open_funding, paid_out, with_key

REFERENCE = "Spende von Iwan Petrows Cousine"
REASON = "Olga Sidorowa hat doppelt gezahlt"


async def dump_database(h: Harness) -> str:
    """Every stored value of every table as one string."""
    engine = create_async_engine(h.database_url)
    values: list[str] = []
    try:
        async with engine.connect() as conn:
            for table in h.app.state.tables.partner_keys.metadata.sorted_tables:
                rows = await conn.execute(text(f'SELECT * FROM "{table.name}"'))  # noqa: S608 (known names)
                values += [str(v) for row in rows for v in row]
    finally:
        await engine.dispose()
    return " ".join(values)


async def test_references_reasons_and_holders_are_stored_encrypted_and_read_in_clear(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    contribution = await payments.client.post(
        "/v1/contributions",
        json={"funding_account_id": funding["id"], "amount_minor": 500, "reference": REFERENCE},
        headers=with_key(headers, "contribution-k"),
    )
    assert contribution.status_code == 201, contribution.text
    assert contribution.json()["reference"] == REFERENCE
    transfer_id = contribution.json()["transfer_id"]
    reversal = await payments.client.post(
        f"/v1/transfers/{transfer_id}/reversal", json={"reason": REASON}, headers=with_key(headers)
    )
    assert reversal.status_code == 201, reversal.text
    assert reversal.json()["memo"] == REASON
    await paid_out(payments, headers, funding["id"], "app-f1")
    bank_file = await payments.client.post(
        "/v1/bank-files", json={"funding_account_id": funding["id"], "execution_date": "2026-11-27"}, headers=headers
    )
    assert bank_file.status_code == 200, bank_file.text
    assert b"Treasury DE" in bank_file.content

    stored = await dump_database(payments)
    for clear in (REFERENCE, REASON, "Treasury DE", "Beneficiary Holder"):
        assert clear not in stored
    read = await payments.client.get(f"/v1/transfers/{transfer_id}", headers=headers)
    assert read.json()["memo"] == REFERENCE
    replayed = await payments.client.post(
        "/v1/contributions",
        json={"funding_account_id": funding["id"], "amount_minor": 500, "reference": REFERENCE},
        headers=with_key(headers, "contribution-k"),
    )
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == contribution.json()

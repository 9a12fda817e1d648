"""The whole journey over the API: approval, trigger, payout, transfer, bank file, statement, settlement."""

import json
from datetime import date

import pytest
from lxml import etree
from sqlalchemy import select, text

from services.payments.domain.bankfiles.pain001 import validate_pain001
from services.payments.domain.bankfiles.xsd import namespace_of
from services.payments.models import tables
from shared.clients.payments import PaymentsClient
from shared.schemas.payments import (
    PAYOUT_STATUS_CHANGED,
    BankAccountSet,
    BankProfileSet,
    CreditTransferVersion,
    PayoutCreate,
    StatementVersion,
)
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import (
    approve_applicant,
    balance_of,
    camt053,
    create_payout,
    obligations_of,
    officer,
    open_funding,
    paid_out,
    set_bank_profile,
    with_key,
)

BANK_PROFILES = [
    (CreditTransferVersion.v03, StatementVersion.v02),
    (CreditTransferVersion.v09, StatementVersion.v08),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("pain", "camt"), BANK_PROFILES, ids=["pain03-camt02", "pain09-camt08"])
async def test_approval_to_settlement_over_the_api(
    payments: Harness, tokens: Tokens, pain: CreditTransferVersion, camt: StatementVersion
) -> None:
    headers = officer(tokens)
    await set_bank_profile(payments, headers, pain.value, camt.value)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    settled = await paid_out(payments, headers, funding["id"], "app-j1")
    returned = await paid_out(payments, headers, funding["id"], "app-j2")
    assert await balance_of(payments, headers, funding["id"]) == 1_000_000 - 150_000

    bank_file = await payments.client.post(
        "/v1/bank-files", json={"funding_account_id": funding["id"], "execution_date": "2026-11-27"}, headers=headers
    )
    assert bank_file.status_code == 200, bank_file.text
    assert validate_pain001(bank_file.content) is pain
    document = etree.fromstring(bank_file.content)
    ids = [str(e.text) for e in document.iterfind(".//p:EndToEndId", namespaces={"p": namespace_of(pain)})]
    assert sorted(ids) == sorted([settled["end_to_end_id"], returned["end_to_end_id"]])
    assert b"Beneficiary Holder" in bank_file.content
    again = await payments.client.post(
        "/v1/bank-files", json={"funding_account_id": funding["id"], "execution_date": "2026-11-27"}, headers=headers
    )
    assert again.status_code == 422

    statement = camt053(
        [
            (settled["end_to_end_id"], "750.00", "DBIT"),
            (returned["end_to_end_id"], "750.00", "CRDT"),
            ("zzz", "1", "DBIT"),
        ],
        version=camt.value,
    )
    imported = await payments.client.post(
        "/v1/bank-statements", content=statement, headers={**headers, "Content-Type": "application/xml"}
    )
    assert imported.json() == {
        "settled": [settled["end_to_end_id"]],
        "returned": [returned["end_to_end_id"]],
        "unknown": ["zzz"],
        "mismatched": [],
        "unchanged": [],
    }
    first = (await payments.client.get(f"/v1/payouts/{settled['id']}", headers=headers)).json()
    second = (await payments.client.get(f"/v1/payouts/{returned['id']}", headers=headers)).json()
    assert (first["status"], second["status"]) == ("settled", "returned")
    # The return was reversed in the ledger: the money is back and the obligation can be paid again.
    assert await balance_of(payments, headers, funding["id"]) == 1_000_000 - 75_000
    due_again = [o for o in await obligations_of(payments, headers, "app-j2") if o["trigger"] == "asylum_granted"]
    assert due_again[0]["status"] == "due"
    async with payments.app.state.engine.connect() as conn:
        events = (
            (
                await conn.execute(
                    select(tables.outbox_events.c.payload).where(tables.outbox_events.c.type == PAYOUT_STATUS_CHANGED)
                )
            )
            .scalars()
            .all()
        )
    announced = sorted((e["data"]["payout_id"] == settled["id"], e["data"]["status"]) for e in events)
    assert announced == [(False, "executed"), (False, "returned"), (True, "executed"), (True, "settled")]
    assert all("holder" not in json.dumps(e).lower() for e in events)
    # Importing the same statement again changes nothing more, and says so.
    again_imported = await payments.client.post(
        "/v1/bank-statements", content=statement, headers={**headers, "Content-Type": "application/xml"}
    )
    assert again_imported.json() == {
        "settled": [],
        "returned": [],
        "unknown": ["zzz"],
        "mismatched": [],
        "unchanged": [settled["end_to_end_id"], returned["end_to_end_id"]],
    }
    assert await balance_of(payments, headers, funding["id"]) == 1_000_000 - 75_000


async def test_a_malformed_statement_is_rejected_as_a_problem(payments: Harness, tokens: Tokens) -> None:
    response = await payments.client.post(
        "/v1/bank-statements", content=b"<nope", headers={**officer(tokens), "Content-Type": "application/xml"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_reversing_a_payout_makes_its_obligation_due_again(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    executed = await paid_out(payments, headers, funding["id"], "app-j3")
    reversal = await payments.client.post(
        f"/v1/transfers/{executed['transfer_id']}/reversal", json={"reason": "paid in error"}, headers=with_key(headers)
    )
    assert reversal.status_code == 201, reversal.text
    payout = (await payments.client.get(f"/v1/payouts/{executed['id']}", headers=headers)).json()
    assert payout["status"] == "reversed"
    assert await balance_of(payments, headers, funding["id"]) == 1_000_000
    new_payout = await create_payout(payments, headers, payout["obligation_id"], funding["id"])
    assert new_payout.status_code == 201


async def test_a_release_transfer_cannot_be_reversed_through_the_api(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    await approve_applicant(payments, applicant_id="app-j4", tranches=[(500, "approval")], approved_on=date(2026, 1, 1))
    (obligation,) = await obligations_of(payments, headers, "app-j4")
    async with payments.app.state.engine.connect() as conn:
        transfer_id = (
            await conn.execute(
                text("SELECT release_transfer_id FROM obligations WHERE id = :id"), {"id": obligation["id"]}
            )
        ).scalar_one()
    response = await payments.client.post(
        f"/v1/transfers/{transfer_id}/reversal", json={"reason": "no"}, headers=with_key(headers)
    )
    assert response.status_code == 409


async def test_the_typed_client_drives_the_payout_flow(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 100_000)
    await approve_applicant(payments, applicant_id="app-c", tranches=[(5_000, "approval")])
    client = PaymentsClient(payments.client, "http://test", token=headers["Authorization"].removeprefix("Bearer "))
    await client.set_bank_account("app-c", BankAccountSet(iban="GB82 WEST 1234 5698 7654 32", holder="H"))
    profile = await client.set_bank_profile(
        BankProfileSet(credit_transfer_version=CreditTransferVersion.v03, statement_version=StatementVersion.v02)
    )
    assert await client.read_bank_profile() == profile
    (obligation,) = (await client.list_obligations(applicant_id="app-c")).items
    payout = await client.create_payout(
        PayoutCreate(obligation_id=obligation.id, funding_account_id=funding["id"]), idempotency_key="c-1"
    )
    executed = await client.execute_payout(payout.id, idempotency_key="c-2")
    transfer = await client.read_transfer(str(executed.transfer_id))
    assert sum(e.amount_minor for e in transfer.entries) == 0
    assert (await client.read_account(funding["id"])).balance_minor == 95_000
